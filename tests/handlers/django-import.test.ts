import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDump } from "@/lib/django/dump";
import { importDjangoDump } from "@/lib/django/import";
import { chooseAtProvider, signInThroughProvider, startAppWithFakeProvider } from "../../e2e/fake-oauth/drive";
import type { FakeOAuthProvider } from "../../e2e/fake-oauth/server";
import { ROOT } from "../support/app";
import { administrator, register } from "../support/accounts";
import { ApiClient } from "../support/client";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { TEST_DIALECT } from "../support/test-database";
import { expectConsoleError } from "../support/unit-setup";

// Signing in as the users moved in from Django (docs/api.md, "Moving in the users of a
// Django system"), through the API in-process, on SQLite and on PostgreSQL (npm run
// test:handlers:pg): each hash format, the typed and NFKC forms, the re-hash in the
// session's transaction, disabled users, the imported providers, a registration after the
// import. The dump is tests/fixtures/django/seed.json, made by Django 3.2 (make-fixtures.py),
// imported by the library `npm run import:django` runs. The command itself, run while the
// built server serves, is tests/integration/django-import.test.ts. One app for the file.

const FIXTURES = path.join(ROOT, "tests/fixtures/django");
const SEED = path.join(FIXTURES, "seed.json");
const passwords: Record<string, { password: string; id: number; format: string }> = JSON.parse(readFileSync(path.join(FIXTURES, "passwords.json"), "utf8")).seed;

let app: InProcessApp;
let fake: FakeOAuthProvider;

const hashOf = async (id: number) => (await app.db().get<{ password_hash: string | null }>("select password_hash from users where id = ?", id))?.password_hash;

beforeAll(async () => {
  ({ app, fake } = await startAppWithFakeProvider({ start: startInProcessApp, env: { PASSWORD_HASH_MAX_WAIT_MS: "30000" } }));
  // The seed's social accounts, as the providers know them.
  fake.addUser({ id: "583231", login: "octocat", name: "The Octocat", email: "octocat@example.com", emailVerified: true });
  fake.addUser({ id: "104392817263548172635", login: "octo", name: "Octo Cat", email: "octocat@example.com", emailVerified: true });
  fake.addUser({ id: "583299", login: "inactive-social", name: null, email: "inactive.social@example.com", emailVerified: true });
  const report = await importDjangoDump(parseDump(readFileSync(SEED, "utf8")), { dryRun: false });
  expect(report.imported).toEqual({ users: 17, providers: 3 });
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

describe("signing in with the old passwords", () => {
  const login = (email: string, password: string) => new ApiClient(app.url).post("/api/auth/login/", { email, password });

  it.each(["pbkdf2", "pbkdf2million", "pbkdf2sha1", "argon2", "bcryptsha256", "bcrypt"])(
    "%s: the Django password signs in, sub is the Django id, and the hash becomes argon2id",
    async (username) => {
      const { password, id, format } = passwords[username]!;
      const email = (await app.db().get<{ email: string }>("select email from users where id = ?", id))!.email;
      expect((await hashOf(id))!.startsWith(`${format}$`)).toBe(true);
      const wrong = await login(email, `${password}!`);
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual({ non_field_errors: ["Invalid credentials"] });
      expect((await hashOf(id))!.startsWith(`${format}$`)).toBe(true);

      const right = await login(email, password);
      expect(right.status, JSON.stringify(right.body)).toBe(200);
      expect(right.body.user).toMatchObject({ id, username });
      expect(decodeJwt(right.body.access).sub).toBe(String(id));
      expect(await hashOf(id)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      // And again, against the new hash.
      expect((await login(email, password)).status).toBe(200);
    },
  );

  it("checks the password as typed, and in Gatehouse's NFKC form", async () => {
    // Django hashed "typed" from a ligature and a decomposed accent; "normalised" from the NFKC form.
    expect((await login("typed@example.com", passwords.typed!.password)).status).toBe(200);
    expect((await login("normalised@example.com", "\ufb01ne cafe\u0301 normalised")).status).toBe(200);
  });

  it("a failure to start the session leaves the Django hash (the re-hash is in the session's transaction)", async () => {
    const { password, id } = passwords.late!;
    const django = await hashOf(id);
    const db = app.db();
    if (TEST_DIALECT === "sqlite") {
      await db.run("create trigger refuse_sessions before insert on sessions begin select raise(abort, 'refused by the test'); end");
    } else {
      await db.run("create function refuse_sessions() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$");
      await db.run("create trigger refuse_sessions before insert on sessions for each row execute function refuse_sessions()");
    }
    try {
      // The route's 500 logs its cause.
      expectConsoleError(/unhandled error/);
      const failed = await login("late@example.com", password);
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ detail: "Internal server error" });
      expect(await hashOf(id)).toBe(django);
    } finally {
      await db.run(TEST_DIALECT === "sqlite" ? "drop trigger refuse_sessions" : "drop trigger refuse_sessions on sessions");
    }
    expect((await login("late@example.com", password)).status).toBe(200);
    expect(await hashOf(id)).toMatch(/^\$argon2id\$/);
  });

  it("users without a password, with an unchecked format, or skipped, answer Invalid credentials", async () => {
    for (const [email, password] of [
      ["unusable@example.com", "anything at all"],
      ["empty@example.com", ""],
      ["md5@example.com", "md5 is not carried"],
      ["twin@example.com", "twin b password"],
      ["Twin@Example.com", "twin a password"],
    ] as const) {
      const res = await login(email, password || "x");
      expect(res.status, email).toBe(400);
    }
  });

  it("an inactive user is disabled: 403 account_disabled after the right password, Invalid credentials after a wrong one", async () => {
    const wrong = await login("inactive@example.com", "not it");
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ non_field_errors: ["Invalid credentials"] });
    const right = await login("inactive@example.com", passwords.inactive!.password);
    expect(right.status).toBe(403);
    expect(right.body).toEqual({ detail: "This account is disabled.", code: "account_disabled" });
    expect(right.setCookies).toEqual([]);
    expect(await hashOf(12)).toMatch(/^pbkdf2_sha256\$/);
  });
});

describe("the imported providers", () => {
  async function codeFromProvider(provider: "google" | "github", user: string) {
    const verifier = randomBytes(32).toString("base64url");
    const env = fake.env();
    const authorizeUrl = new URL(provider === "google" ? env.GOOGLE_AUTH_URL! : env.GITHUB_AUTH_URL!);
    authorizeUrl.search = new URLSearchParams({
      response_type: "code",
      client_id: fake.clients[provider].clientId,
      redirect_uri: `${app.url}/api/auth/social/${provider}/callback/`,
      state: randomBytes(16).toString("base64url"),
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      scope: provider === "google" ? "openid email profile" : "read:user user:email",
    }).toString();
    const back = await chooseAtProvider(authorizeUrl, { user });
    return { code: back.searchParams.get("code")!, code_verifier: verifier, redirect_uri: `${app.url}/api/auth/social/${provider}/callback/` };
  }

  it("Continue with GitHub signs into the imported user (browser flow)", async () => {
    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "github", "583231", { next: "/profile/" });
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/`);
    const refreshed = await client.post("/api/auth/token/refresh/");
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access).sub).toBe("11");
    const me = await client.get("/api/auth/me/", { authorization: `Bearer ${refreshed.body.access}` });
    expect(me.body).toEqual({ id: 11, username: "octocat", email: "octocat@example.com", email_verified: true, providers: ["github", "google"] });
  });

  it("Google's POST exchange signs into the same imported user", async () => {
    const res = await new ApiClient(app.url).post("/api/auth/social/google/", await codeFromProvider("google", "104392817263548172635"));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user).toEqual({ id: 11, username: "octocat", email: "octocat@example.com", email_verified: true });
    expect(decodeJwt(res.body.access).sub).toBe("11");
  });

  it("an inactive user's provider is refused: 403 on the POST exchange, /login/?error=account_disabled in the browser", async () => {
    const exchanged = await new ApiClient(app.url).post("/api/auth/social/github/", await codeFromProvider("github", "583299"));
    expect(exchanged.status).toBe(403);
    expect(exchanged.body).toEqual({ detail: "This account is disabled.", code: "account_disabled" });

    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "github", "583299");
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=account_disabled`);
    expect(callback.setCookies.some((c) => c.startsWith("refresh_token=") && !/Max-Age=0/i.test(c))).toBe(false);
    // What that page says (a page: the built server's) is tests/integration/django-import.test.ts's.
    expect(Number((await app.db().get<{ n: number }>("select count(*) as n from sessions where user_id = 19"))!.n)).toBe(0);
  });
});

describe("after the import", () => {
  it("a new registration gets an id past the imported ones", async () => {
    const client = new ApiClient(app.url);
    const res = await client.post("/api/auth/register/", { username: "newcomer", email: "newcomer@example.com", password: "arrived after the move" });
    expect(res.status).toBe(201);
    expect((await app.db().get<{ id: number }>("select id from users where email = ?", "newcomer@example.com"))!.id).toBe(41);
  });

  it("mfa/verify refuses a user disabled between the two steps", async () => {
    const email = "newcomer@example.com";
    await app.db().run("update users set email_verified = true where email = ?", email);
    const client = new ApiClient(app.url);
    const first = await client.post("/api/auth/login/", { email, password: "arrived after the move" });
    const bearer = { authorization: `Bearer ${first.body.access}` };
    const setup = await client.post("/api/auth/mfa/totp/setup/", {}, bearer);
    const step = (offset: number) => generateHOTP(decodeBase32IgnorePadding(setup.body.secret), BigInt(Math.floor(Date.now() / 30_000) + offset), 6);
    expect((await client.post("/api/auth/mfa/totp/confirm/", { code: step(0) }, bearer)).status).toBe(200);
    const password = await new ApiClient(app.url).post("/api/auth/login/", { email, password: "arrived after the move" });
    expect(password.body.mfa_required).toBe(true);
    await app.db().run("update users set disabled_at = ? where email = ?", Date.now(), email);
    const verified = await new ApiClient(app.url).post("/api/auth/mfa/verify/", { mfa_token: password.body.mfa_token, code: step(1) });
    expect(verified.status).toBe(403);
    expect(verified.body).toEqual({ detail: "This account is disabled.", code: "account_disabled" });
  });
});

describe("an id the administrators' audit names (docs/decisions/046)", () => {
  it("is not given to an imported user once its account was erased: skipped and reported, the audit untouched", async () => {
    const admin = await administrator(app, "import_eraser");
    const gone = await register(app, "erased_before_import");
    expect((await admin.call("DELETE", `/api/admin/users/${gone.id}/`, { reason: "Asked to be forgotten" })).status).toBe(204);
    // The Django system still has that id (the erased person's own account there, or anyone's: ids are sequential in both).
    const fields = { password: "", last_login: null, is_superuser: false, username: "returning", first_name: "", last_name: "", is_staff: false, is_active: true, date_joined: "2024-03-01T10:00:00Z", email: gone.email, email_verified: true, groups: [], user_permissions: [] };
    const dump = parseDump(JSON.stringify([{ model: "accounts.user", pk: gone.id, fields }]));
    for (const dryRun of [true, false]) {
      const report = await importDjangoDump(dump, { dryRun });
      expect(report.imported.users, `dryRun ${dryRun}`).toBe(0);
      expect(report.skippedUsers).toEqual({ id_in_audit: 1 });
      expect(report.lines).toEqual([{ kind: "skipped", subject: expect.stringContaining(String(gone.id)), message: expect.stringMatching(/erased.*audit/) }]);
    }
    expect(await app.db().all("select id from users where id = ? or email = ?", gone.id, gone.email)).toEqual([]);
    const audit = await admin.call("GET", "/api/admin/audit/");
    expect(audit.body.results[0]).toMatchObject({ action: "user_deleted", target: { id: gone.id, email: gone.email } });
  });
});
