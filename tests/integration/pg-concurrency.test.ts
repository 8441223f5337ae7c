import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";
import { startFakeResend, type FakeResend } from "../support/fake-resend";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy.mjs";
import { dropTestDatabase, openTestDatabase, TEST_POSTGRES_URL, testDatabaseUrl, type TestDatabase } from "../support/test-database";

// Every rule that used to lean on one global write lock, held by what each rule now takes
// (docs/decisions/003): two production servers on one PostgreSQL database, with requests
// sent to both at the same moment, once straight to the database and once through a
// delay of 1 ms each way (a managed database's distance, which widens every race window).
// PostgreSQL only: `npm run test:integration:pg` runs it.

const PASSWORD = "many hands one ledger";
const LOGIN_FAILURES = 5;
const EMAIL_CAP = 3;
const BALANCER_URL = "http://localhost:8080";

const TITLE = TEST_POSTGRES_URL
  ? "rules under real concurrency, two instances on PostgreSQL"
  : "rules under real concurrency, two instances on PostgreSQL (skipped: PostgreSQL only; npm run test:integration:pg runs it)";
if (!TEST_POSTGRES_URL) console.warn("pg-concurrency: skipped, PostgreSQL only (npm run test:integration:pg runs it)");

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const step = (offset = 0) => BigInt(Math.floor(Date.now() / 30_000) + offset);
const totp = (secret: string, offset = 0) => generateHOTP(decodeBase32IgnorePadding(secret), step(offset), 6);
const bearer = (access: string) => ({ authorization: `Bearer ${access}` });
const count = (values: number[], status: number) => values.filter((s) => s === status).length;

describe.skipIf(!TEST_POSTGRES_URL)(TITLE, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-race-"));
  let resend: FakeResend;
  let proxy: LatencyProxy;
  let db: TestDatabase;
  let a: RunningApp;
  let b: RunningApp;
  /** Both instances, alternating: request i goes to one, i + 1 to the other. */
  const apps = () => [a, b];
  const on = (i: number) => apps()[i % 2]!;

  beforeAll(async () => {
    resend = await startFakeResend();
    const direct = new URL(await testDatabaseUrl(dataDir));
    db = openTestDatabase(direct.toString());
    proxy = await startLatencyProxy({ targetHost: direct.hostname, targetPort: Number(direct.port || 5432), delayMs: 0 });
    const throughProxy = new URL(direct);
    throughProxy.hostname = "127.0.0.1";
    throughProxy.port = String(proxy.port);
    const start = () =>
      startApp({
        dataDir,
        env: {
          APP_URL: BALANCER_URL,
          DATABASE_URL: throughProxy.toString(),
          RESEND_API_KEY: resend.apiKey,
          RESEND_BASE_URL: resend.url,
          RATE_LIMIT_LOGIN_FAILURES: String(LOGIN_FAILURES),
          RATE_LIMIT_EMAIL_PER_ADDRESS: String(EMAIL_CAP),
          // Unlinking a provider needs it configured; nothing here talks to GitHub.
          GITHUB_CLIENT_ID: "race-test",
          GITHUB_CLIENT_SECRET: "race-test-secret",
        },
      });
    // One, then the other: the first migrates the new database.
    a = await start();
    b = await start();
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.close();
    await proxy?.stop();
    await resend?.stop();
    await dropTestDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  let counter = 0;
  /** A verified account signed in on A: its client holds the refresh cookie. */
  async function account() {
    counter += 1;
    const email = `race${counter}@example.com`;
    const client = new ApiClient(a.url);
    expect((await client.post("/api/auth/register/", { username: `race${counter}`, email, password: PASSWORD })).status).toBe(201);
    await db.run("update users set email_verified = true where email = ?", email);
    const login = await client.post("/api/auth/login/", { email, password: PASSWORD });
    expect(login.status).toBe(200);
    const { id } = (await db.get<{ id: number }>("select id from users where email = ?", email))!;
    return { email, id, client, access: login.body.access as string };
  }

  async function withTotp() {
    const user = await account();
    const setup = await user.client.post("/api/auth/mfa/totp/setup/", {}, bearer(user.access));
    const confirm = await user.client.post("/api/auth/mfa/totp/confirm/", { code: totp(setup.body.secret, -1) }, bearer(user.access));
    expect(confirm.status).toBe(200);
    return { ...user, secret: setup.body.secret as string, recoveryCodes: confirm.body.recovery_codes as string[] };
  }

  /** An administrator signed in with their code (a session that used a second factor, and recent). */
  async function administrator() {
    const user = await withTotp();
    await db.run("update users set role = 'admin' where id = ?", user.id);
    const client = new ApiClient(a.url);
    const first = await client.post("/api/auth/login/", { email: user.email, password: PASSWORD });
    const second = await client.post("/api/auth/mfa/verify/", { mfa_token: first.body.mfa_token, code: totp(user.secret, 0) });
    expect(second.status).toBe(200);
    return { ...user, client, access: second.body.access as string };
  }

  /** `n` copies of a request, all sent at once, alternating instances; their statuses. */
  async function atOnce(n: number, send: (app: RunningApp, i: number) => Promise<Response>): Promise<number[]> {
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => send(on(i), i)));
    await Promise.all(answers.map((r) => r.arrayBuffer()));
    return answers.map((r) => r.status);
  }

  const post = (app: RunningApp, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(app.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  describe.each([
    { delay: 0, label: "straight to the database" },
    { delay: 1, label: "through 1 ms each way" },
  ])("$label", ({ delay }) => {
    beforeAll(() => proxy.setDelay(delay));

    it("one refresh cookie presented to both at once leaves exactly one successor", async () => {
      const user = await account();
      const { id: sessionId } = (await db.get<{ id: string }>("select id from sessions where user_id = ?", user.id))!;
      for (let round = 1; round <= 4; round++) {
        const cookie = user.client.cookies.get("refresh_token")!;
        const answers = await Promise.all(apps().map((app) => fetch(`${app.url}/api/auth/token/refresh/`, { method: "POST", headers: { cookie: `refresh_token=${cookie}` } })));
        expect(answers.map((r) => r.status)).toEqual([200, 200]);
        const rotated = answers.filter((r) => r.headers.getSetCookie().some((c) => c.startsWith("refresh_token=")));
        expect(rotated).toHaveLength(1);
        user.client.cookies.set("refresh_token", rotated[0]!.headers.getSetCookie().find((c) => c.startsWith("refresh_token="))!.split(";")[0]!.split("=")[1]!);
        const tokens = await db.get<{ n: number; rotated: number }>("select count(*) as n, count(rotated_at) as rotated from refresh_tokens where session_id = ?", sessionId);
        expect(tokens).toEqual({ n: round + 1, rotated: round });
      }
    });

    it("a parallel burst of wrong passwords on both gets no more checks than the budget", async () => {
      const user = await account();
      const statuses = await atOnce(20, (app, i) => post(app, "/api/auth/login/", { email: user.email, password: `wrong guess ${i}` }));
      expect(count(statuses, 400)).toBe(LOGIN_FAILURES);
      expect(count(statuses, 429)).toBe(20 - LOGIN_FAILURES);
    });

    it("a TOTP code sent to both at once is accepted once", async () => {
      const user = await withTotp();
      const code = totp(user.secret, 0);
      const statuses = await atOnce(6, (app) => post(app, "/api/auth/reauthenticate/", { code }, bearer(user.access)));
      expect(count(statuses, 200)).toBe(1);
    });

    it("one recovery code in six second steps at once finishes one sign-in", async () => {
      const user = await withTotp();
      const tokens = await Promise.all(Array.from({ length: 6 }, async (_, i) => (await new ApiClient(on(i).url).post("/api/auth/login/", { email: user.email, password: PASSWORD })).body.mfa_token as string));
      const recovery = user.recoveryCodes[0]!;
      const statuses = await atOnce(6, (app, i) => post(app, "/api/auth/mfa/verify/", { mfa_token: tokens[i], recovery_code: recovery }));
      expect(count(statuses, 200)).toBe(1);
    });

    it("one mfa_token with six right answers at once starts one session", async () => {
      const user = await withTotp();
      const sessionsBefore = (await db.get<{ n: number }>("select count(*) as n from sessions where user_id = ?", user.id))!.n;
      const first = await new ApiClient(a.url).post("/api/auth/login/", { email: user.email, password: PASSWORD });
      const statuses = await atOnce(6, (app, i) => post(app, "/api/auth/mfa/verify/", { mfa_token: first.body.mfa_token, recovery_code: user.recoveryCodes[i + 1] }));
      expect(count(statuses, 200)).toBe(1);
      expect((await db.get<{ n: number }>("select count(*) as n from sessions where user_id = ?", user.id))!.n).toBe(sessionsBefore + 1);
    });

    it("one WebAuthn challenge answered six times at once is spent once", async () => {
      const options = await new ApiClient(a.url).post("/api/auth/passkeys/login/options/");
      const assertion = {
        id: "bm90LWEta2V5",
        rawId: "bm90LWEta2V5",
        type: "public-key",
        response: {
          clientDataJSON: Buffer.from(JSON.stringify({ type: "webauthn.get", challenge: options.body.challenge, origin: BALANCER_URL })).toString("base64url"),
          authenticatorData: "AAAA",
          signature: "AAAA",
        },
        clientExtensionResults: {},
      };
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(on(i), "/api/auth/passkeys/login/", { response: assertion })));
      const codes = await Promise.all(answers.map(async (r) => ((await r.json()) as { code?: string }).code));
      // The one that spent it got as far as the (unknown) passkey; the others found it spent.
      expect(codes.filter((c) => c === "passkey_verification_failed")).toHaveLength(1);
      expect(codes.filter((c) => c === "invalid_challenge")).toHaveLength(5);
    });

    it("an emailed verification link clicked on both at once verifies once", async () => {
      counter += 1;
      const email = `raceverify${counter}@example.com`;
      expect((await new ApiClient(a.url).post("/api/auth/register/", { username: `raceverify${counter}`, email, password: PASSWORD })).status).toBe(201);
      const { id } = (await db.get<{ id: number }>("select id from users where email = ?", email))!;
      const token = randomBytes(32).toString("base64url");
      await db.run("insert into email_verification_tokens (user_id, token_hash, created_at, expires_at) values (?, ?, ?, ?)", id, sha256(token), Date.now(), Date.now() + 3_600_000);
      const statuses = await atOnce(6, (app) => fetch(`${app.url}/api/auth/verify-email/?token=${token}`));
      expect(count(statuses, 200)).toBe(1);
      expect(count(statuses, 400)).toBe(5);
      const events = await db.all("select id from security_events where user_id = ? and type = 'email_verified'", id);
      expect(events).toHaveLength(1);
    });

    it("a reset link confirmed on both at once sets one password", async () => {
      const user = await account();
      const token = randomBytes(32).toString("base64url");
      await db.run("insert into password_reset_tokens (user_id, token_hash, created_at, expires_at) values (?, ?, ?, ?)", user.id, sha256(token), Date.now(), Date.now() + 3_600_000);
      const statuses = await atOnce(4, (app, i) => post(app, "/api/auth/password/reset/confirm/", { token, password: `${PASSWORD} number ${i}` }));
      expect(count(statuses, 200)).toBe(1);
      expect((await db.all("select id from security_events where user_id = ? and type = 'password_reset'", user.id))).toHaveLength(1);
    });

    it("the per-address email cap holds for a burst of reset requests on both", async () => {
      const user = await account();
      const capped = async () => (await db.get<{ n: number }>("select count(*) as n from emails where recipient_key = ? and capped = true", user.email))!.n;
      const before = await capped();
      const statuses = await atOnce(10, (app) => post(app, "/api/auth/password/reset/", { email: user.email }));
      expect(statuses.every((s) => s === 202)).toBe(true);
      expect(await capped()).toBe(EMAIL_CAP);
      expect(before).toBeLessThan(EMAIL_CAP);
    });

    it("removing an account's last two sign-in methods at once leaves one", async () => {
      const user = await account();
      // A provider-and-passkey account: no password (the session stays live), one GitHub
      // link and one passkey, written as the app writes them.
      await db.run("update users set password_hash = null where id = ?", user.id);
      for (let round = 0; round < 4; round++) {
        const passkeyId = `racekey${counter}x${round}`;
        await db.run(
          "insert into social_accounts (user_id, provider, provider_user_id, email, profile, created_at) values (?, 'github', ?, ?, '{}', ?)",
          user.id,
          `gh-${user.id}-${round}`,
          user.email,
          Date.now(),
        );
        await db.run(
          "insert into passkeys (id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, user_handle, name, created_at) values (?, ?, ?, 'AAAA', 0, '[]', 'singleDevice', false, 'handle', 'Laptop', ?)",
          passkeyId,
          user.id,
          `cred-${passkeyId}`,
          Date.now(),
        );
        const [unlink, remove] = await Promise.all([
          fetch(`${a.url}/api/auth/social/github/`, { method: "DELETE", headers: bearer(user.access) }),
          fetch(`${b.url}/api/auth/passkeys/${passkeyId}/`, { method: "DELETE", headers: bearer(user.access) }),
        ]);
        await Promise.all([unlink.arrayBuffer(), remove.arrayBuffer()]);
        // Never both: one is refused as the last sign-in method.
        expect([unlink.status, remove.status].sort()).toEqual(remove.status === 204 ? [204, 400] : [200, 400]);
        const left = await db.get<{ providers: number; keys: number }>(
          "select (select count(*) from social_accounts where user_id = ?) as providers, (select count(*) from passkeys where user_id = ?) as keys",
          user.id,
          user.id,
        );
        expect(Number(left!.providers) + Number(left!.keys)).toBe(1);
        await db.run("delete from social_accounts where user_id = ?", user.id);
        await db.run("delete from passkeys where user_id = ?", user.id);
      }
    });

    it("two administrators disabling each other at once, on the two instances, leave one who can act", async () => {
      const [x, y] = [await administrator(), await administrator()];
      const active = async () => Number((await db.get<{ n: number }>("select count(*) as n from users where role = 'admin' and disabled_at is null"))!.n);
      expect(await active()).toBe(2);
      const [first, second] = await Promise.all([
        post(a, `/api/admin/users/${y.id}/disable/`, { reason: "race" }, bearer(x.access)),
        post(b, `/api/admin/users/${x.id}/disable/`, { reason: "race" }, bearer(y.access)),
      ]);
      await Promise.all([first.arrayBuffer(), second.arrayBuffer()]);
      const statuses = [first.status, second.status].sort();
      // One disable; the other refused by the count (409) or, if it came later, by its
      // own session having ended (401).
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      expect(await active()).toBe(1);
      // The next round starts with no administrator left over.
      await db.run("update users set role = 'user' where id in (?, ?)", x.id, y.id);
    });

    it("a burst of deletes of one account on both erases it once, with one goodbye", async () => {
      const user = await account();
      const statuses = await atOnce(6, (app) =>
        fetch(`${app.url}/api/auth/me/`, { method: "DELETE", headers: { "content-type": "application/json", ...bearer(user.access) }, body: JSON.stringify({ confirm: user.email }) }),
      );
      expect(count(statuses, 204)).toBe(1);
      // The others: 401 (the token checked after the erasure), 403 `reauthentication_required`
      // (past the token check, but the session and its recent sign-in ended before the
      // check of that), or 404 (past both, then the account was gone under its lock).
      expect(statuses.filter((s) => s !== 204).every((s) => s === 401 || s === 403 || s === 404), `statuses ${statuses}`).toBe(true);
      expect(await db.get("select id from users where id = ?", user.id)).toBeUndefined();
      // Every goodbye queued is delivered and then forgotten (its outbox row deleted): wait
      // for the outbox to hold nothing to the address, then count what Resend received.
      await resend.waitForEmail(user.email, { subject: /was deleted/ });
      await expect.poll(async () => Number((await db.get<{ n: number }>("select count(*) as n from emails where recipient_key = ?", user.email))!.n), { timeout: 30_000 }).toBe(0);
      expect(resend.messages.filter((m) => m.to.includes(user.email) && /was deleted/.test(m.subject))).toHaveLength(1);
    });

    it("an email change's confirmation link clicked on both at once changes the address once", async () => {
      const user = await account();
      counter += 1;
      const newEmail = `racemoved${counter}@example.com`;
      const asked = await post(a, "/api/auth/email/change/", { email: newEmail }, bearer(user.access));
      expect(asked.status).toBe(202);
      // The link's token as the app stored it: replace it with one whose value is known.
      const token = randomBytes(32).toString("base64url");
      await db.run("update email_changes set token_hash = ? where user_id = ? and confirmed_at is null and cancelled_at is null", sha256(token), user.id);
      const statuses = await atOnce(6, (app) => post(app, "/api/auth/verify-email/", { token }));
      expect(count(statuses, 200)).toBeGreaterThanOrEqual(1);
      expect(statuses.every((s) => s === 200 || s === 400)).toBe(true);
      expect((await db.get<{ email: string }>("select email from users where id = ?", user.id))!.email).toBe(newEmail);
      expect(await db.all("select id from security_events where user_id = ? and type = 'email_changed'", user.id)).toHaveLength(1);
    });

    it("a login on one instance racing a reset on the other holds no session that outlives the reset", async () => {
      for (let round = 0; round < 4; round++) {
        const user = await account();
        const token = randomBytes(32).toString("base64url");
        await db.run("insert into password_reset_tokens (user_id, token_hash, created_at, expires_at) values (?, ?, ?, ?)", user.id, sha256(token), Date.now(), Date.now() + 3_600_000);
        const loginClient = new ApiClient(a.url);
        const [login, reset] = await Promise.all([
          loginClient.post("/api/auth/login/", { email: user.email, password: PASSWORD }),
          new ApiClient(b.url).post("/api/auth/password/reset/confirm/", { token, password: `${PASSWORD} renewed` }),
        ]);
        expect(reset.status).toBe(200);
        if (login.status === 200) {
          expect((await loginClient.get("/api/auth/me/", bearer(login.body.access))).status).toBe(401);
        } else {
          expect(login.body).toEqual({ non_field_errors: ["Invalid credentials"] });
        }
      }
    });
  });
});
