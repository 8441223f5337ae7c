import { SignJWT, base64url, generateKeyPair, importJWK, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SIGNING_KEY } from "../support/app";
import { ApiClient } from "../support/client";
import { linkIn, startFakeResend, type FakeResend } from "../support/fake-resend";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";

// The error paths of the contract (docs/api.md) that take state across requests:
// registration, login, access and refresh tokens, verification links, logout, cross-site
// refusals, through the API in-process. The conventions each handler answers alone
// (415, Malformed JSON, 405 with Allow, DRF shapes) are conventions.test.ts's; what only
// the built server shows (308s, proxy.ts's headers, bodies over the wire, one write, CORS)
// is tests/integration/server.test.ts's.

let app: InProcessApp;
let resend: FakeResend;
let api: ApiClient;
const PASSWORD = "violet staircase morning";

beforeAll(async () => {
  resend = await startFakeResend();
  app = await startInProcessApp({ env: { RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url } });
  api = new ApiClient(app.url);
});

afterAll(async () => {
  await app?.stop();
  await resend?.stop();
});

let counter = 0;
async function registerAndLogin(options: { verify?: boolean } = {}) {
  counter += 1;
  const email = `user${counter}@example.com`;
  const client = new ApiClient(app.url);
  const sent = resend.messages.length;
  expect((await client.post("/api/auth/register/", { username: `user${counter}`, email, password: PASSWORD })).status).toBe(201);
  if (options.verify) {
    const link = linkIn(await resend.waitForEmail(email, { after: sent }), app.url);
    expect((await client.get(new URL(link).pathname.replace("/verify-email/", "/api/auth/verify-email/") + new URL(link).search)).status).toBe(200);
  }
  const login = await client.post("/api/auth/login/", { email, password: PASSWORD });
  expect(login.status).toBe(200);
  return { client, email, access: login.body.access as string, user: login.body.user };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("the signing key", () => {

  it("publishes the signing key's public half only", async () => {
    const res = await api.get("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys;
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", kid: expect.any(String) });
    expect(key).not.toHaveProperty("d");
  });
});

describe("registration", () => {
  it("answers an already-registered email exactly like a new one, and tells its owner", async () => {
    const { email } = await registerAndLogin({ verify: true });
    const before = resend.messages.length;
    const users = async () => ((await app.db().get("select count(*) as n from users")) as { n: number }).n;
    const count = await users();

    const fresh = await api.post("/api/auth/register/", { username: "brandnew1", email: "brandnew1@example.com", password: PASSWORD });
    const existing = await api.post("/api/auth/register/", { username: "brandnew2", email: email.toUpperCase(), password: PASSWORD });
    expect(existing.status).toBe(fresh.status);
    expect(existing.body).toEqual(fresh.body);
    expect([...existing.headers.keys()].filter((h) => h !== "date" && h !== "x-request-id").sort()).toEqual(
      [...fresh.headers.keys()].filter((h) => h !== "date" && h !== "x-request-id").sort(),
    );
    expect(await users()).toBe(count + 1); // only the fresh one

    const notice = await resend.waitForEmail(email, { after: before, subject: /tried to register/ });
    expect(notice.text).toContain("no new account was made");
    expect(notice.text).not.toMatch(/token=/);
  });

  it("sends a claim (reset) link, never a verification link, when the existing account is still unverified", async () => {
    const client = new ApiClient(app.url);
    await client.post("/api/auth/register/", { username: "unverified1", email: "unverified1@example.com", password: PASSWORD });
    await resend.waitForEmail("unverified1@example.com");
    const before = resend.messages.length;
    const again = await client.post("/api/auth/register/", { username: "unverified2", email: "unverified1@example.com", password: PASSWORD });
    expect(again.status).toBe(201);
    // A verification link would confirm the password the account was started with.
    const claim = await resend.waitForEmail("unverified1@example.com", { after: before, subject: /claim/i });
    expect(linkIn(claim, `${app.url}/reset-password/?token=`)).toBeTruthy();
    expect(claim.text).not.toContain("/verify-email/");
  });

  it("accepts any Unicode password and never truncates it", async () => {
    const password = "пароль-🙂-密码-".repeat(6); // 78 characters, far more bytes
    const client = new ApiClient(app.url);
    expect((await client.post("/api/auth/register/", { username: "unicode", email: "unicode@example.com", password })).status).toBe(201);
    expect((await client.post("/api/auth/login/", { email: "unicode@example.com", password })).status).toBe(200);
    const truncated = await client.post("/api/auth/login/", { email: "unicode@example.com", password: password.slice(0, -1) });
    expect(truncated.status).toBe(400);
  });
});

describe("login", () => {
  it("takes about as long for an unknown email as for a wrong password", async () => {
    const { email } = await registerAndLogin();
    const time = async (body: object) => {
      const started = performance.now();
      await api.post("/api/auth/login/", body);
      return performance.now() - started;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const unknown: number[] = [];
    const wrong: number[] = [];
    // Interleaved, and enough of each that a burst of other work on the machine moves
    // neither median far (this runs beside the build under npm test).
    for (let i = 0; i < 15; i++) {
      unknown.push(await time({ email: `ghost${i}@example.com`, password: "wrong password here" }));
      wrong.push(await time({ email, password: `wrong password ${i}` }));
    }
    const samples = `unknown ${unknown.map(Math.round).join(",")} ms; wrong ${wrong.map(Math.round).join(",")} ms`;
    // Both run one argon2id verification (~tens of ms); a skipped hash would be ~1 ms.
    expect(median(unknown), samples).toBeGreaterThan(median(wrong) * 0.5);
    expect(median(unknown), samples).toBeLessThan(median(wrong) * 2);
  });

  it("refuses an account that has no password like any bad credentials", async () => {
    const { email, user } = await registerAndLogin();
    await app.db().run("update users set password_hash = null where id = ?", user.id);
    const res = await api.post("/api/auth/login/", { email, password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ non_field_errors: ["Invalid credentials"] });
  });
});

describe("access tokens", () => {
  const devKey = () => JSON.parse(TEST_SIGNING_KEY) as JWK;

  async function claims() {
    const { access } = await registerAndLogin();
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(access.split(".")[1]!)));
    return { access, payload };
  }

  it("refuses a token signed by another key, even with our kid", async () => {
    const { payload } = await claims();
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const forged = await new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", kid: devKey().kid }).sign(privateKey);
    const res = await api.get("/api/auth/me/", bearer(forged));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: "Given token not valid for any token type", code: "token_not_valid" });
  });

  it("refuses alg none and HS256 signed with the public key", async () => {
    const { access, payload } = await claims();
    const body = access.split(".")[1];
    const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${body}.`;
    expect((await api.get("/api/auth/me/", bearer(none))).status).toBe(401);
    const publicX = base64url.decode(devKey().x!);
    const hs = await new SignJWT(payload).setProtectedHeader({ alg: "HS256", kid: devKey().kid }).sign(publicX);
    expect((await api.get("/api/auth/me/", bearer(hs))).status).toBe(401);
  });

  it("refuses an expired token, a wrong issuer and a wrong type, signed with our own key", async () => {
    const { payload } = await claims();
    const key = await importJWK(devKey(), "EdDSA");
    const sign = (overrides: object) =>
      new SignJWT({ ...payload, ...overrides }).setProtectedHeader({ alg: "EdDSA", kid: devKey().kid }).sign(key);
    const now = Math.floor(Date.now() / 1000);
    // Sanity: our own signature with the original claims is accepted.
    expect((await api.get("/api/auth/me/", bearer(await sign({}))).then((r) => r.status))).toBe(200);
    for (const overrides of [
      { iat: now - 3600, exp: now - 60 },
      { iss: "https://evil.example" },
      { typ: "refresh" },
      { sub: "999999" },
      { sid: "no-such-session" },
    ]) {
      const res = await api.get("/api/auth/me/", bearer(await sign(overrides)));
      expect(res.status, JSON.stringify(overrides)).toBe(401);
    }
  });

  it("refuses tokens of a deleted user", async () => {
    const { access, user } = await registerAndLogin();
    await app.db().run("delete from users where id = ?", user.id);
    expect((await api.get("/api/auth/me/", bearer(access))).status).toBe(401);
  });
});

describe("email verification", () => {
  async function registerForLink() {
    counter += 1;
    const email = `verify${counter}@example.com`;
    const before = resend.messages.length;
    await api.post("/api/auth/register/", { username: `verify${counter}`, email, password: PASSWORD });
    const link = new URL(linkIn(await resend.waitForEmail(email, { after: before }), app.url));
    return { email, token: link.searchParams.get("token")! };
  }
  const verify = (token: string) => api.get(`/api/auth/verify-email/?token=${encodeURIComponent(token)}`);

  it("accepts a token once", async () => {
    const { token } = await registerForLink();
    expect((await verify(token)).status).toBe(200);
    const again = await verify(token);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ detail: "Invalid or expired token" });
  });

  it("refuses an expired token", async () => {
    const { email, token } = await registerForLink();
    await app.db().run("update email_verification_tokens set expires_at = ? where user_id = (select id from users where email = ?)", Date.now() - 1000, email);
    expect((await verify(token)).body).toEqual({ detail: "Invalid or expired token" });
  });

  it("consumes every outstanding token when one is used", async () => {
    const { email, token } = await registerForLink();
    const before = resend.messages.length;
    // Signed in, the holder of the password gets a verification link (by address it would be a claim).
    const access = (await api.post("/api/auth/login/", { email, password: PASSWORD })).body.access as string;
    expect((await api.post("/api/auth/verify-email/resend/", undefined, { authorization: `Bearer ${access}` })).status).toBe(202);
    const second = new URL(linkIn(await resend.waitForEmail(email, { after: before }), app.url)).searchParams.get("token")!;
    expect((await verify(second)).status).toBe(200);
    expect((await verify(token)).status).toBe(400);
  });

  it("stores only hashes of verification tokens", async () => {
    const { token } = await registerForLink();
    const rows = (await app.db().all("select token_hash from email_verification_tokens")) as Array<{ token_hash: string }>;
    expect(rows.some((r) => r.token_hash.includes(token))).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });

  it("answers resend the same for unknown, verified and unverified addresses", async () => {
    const { email } = await registerForLink();
    const verified = await registerAndLogin({ verify: true });
    const answers = await Promise.all(
      ["nobody-here@example.com", email, verified.email].map((address) => api.post("/api/auth/verify-email/resend/", { email: address })),
    );
    for (const res of answers) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ message: "If that account exists and is not verified, we sent a new email." });
    }
  });

  it("resends with a Bearer token and no body", async () => {
    const { client, email, access } = await registerAndLogin();
    const before = resend.messages.length;
    const res = await client.request("POST", "/api/auth/verify-email/resend/", { headers: bearer(access) });
    expect(res.status).toBe(202);
    await resend.waitForEmail(email, { after: before, subject: /verify/i });
  });
});

describe("refresh tokens", () => {
  it("honours a reused token inside the grace window, without a new cookie", async () => {
    const { client } = await registerAndLogin();
    const original = client.cookies.get("refresh_token")!;
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(200);
    const reuse = await client.request("POST", "/api/auth/token/refresh/", {
      headers: { cookie: `refresh_token=${original}` },
      cookies: false,
    });
    expect(reuse.status).toBe(200);
    expect(reuse.body.access).toEqual(expect.any(String));
    expect(reuse.setCookies).toEqual([]);
    expect((await client.get("/api/auth/me/", bearer(reuse.body.access))).status).toBe(200);
    // The successor the browser holds still works.
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(200);
  });

  it("treats reuse after the window as theft: 401 and the whole session revoked", async () => {
    const { client, access } = await registerAndLogin();
    const original = client.cookies.get("refresh_token")!;
    const rotated = await client.post("/api/auth/token/refresh/");
    expect(rotated.status).toBe(200);
    // Age the rotation past the 30-second window.
    await app.db().run("update refresh_tokens set rotated_at = rotated_at - 31000 where rotated_at is not null");
    // The thief replays the old token from elsewhere; the victim's browser holds the successor.
    const thief = new ApiClient(app.url);
    thief.cookies.set("refresh_token", original);
    const theft = await thief.post("/api/auth/token/refresh/");
    expect(theft.status).toBe(401);
    expect(theft.body).toEqual({ detail: "Invalid refresh token", code: "token_not_valid" });
    // Every token of that login is dead: the successor, and both access tokens.
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(401);
    expect((await client.get("/api/auth/me/", bearer(access))).status).toBe(401);
    expect((await client.get("/api/auth/me/", bearer(rotated.body.access))).status).toBe(401);
  });

  it("refuses an unknown token and an expired one, deleting the cookie", async () => {
    const unknown = await api.request("POST", "/api/auth/token/refresh/", {
      headers: { cookie: "refresh_token=not-a-real-token" },
      cookies: false,
    });
    expect(unknown.status).toBe(401);
    expect(unknown.setCookies.some((c) => /^refresh_token=;.*Max-Age=0/i.test(c))).toBe(true);

    const { client } = await registerAndLogin();
    await app.db().run("update refresh_tokens set expires_at = ?", Date.now() - 1000);
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(401);
  });

  it("ends a session at SESSION_MAX_AGE whatever the rotations", async () => {
    const { client, user } = await registerAndLogin();
    await app.db().run("update sessions set expires_at = ? where user_id = ?", Date.now() - 1000, user.id);
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(401);
  });

  it("stores only hashes of refresh tokens", async () => {
    const { client } = await registerAndLogin();
    const token = client.cookies.get("refresh_token")!;
    const row = (await app.db().get("select count(*) as n from refresh_tokens where token_hash like ?", `%${token}%`)) as { n: number };
    expect(row.n).toBe(0);
  });
});

describe("logout", () => {
  it("is idempotent, with or without a cookie", async () => {
    const bare = await new ApiClient(app.url).post("/api/auth/logout/");
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual({ detail: "Logged out" });
    const { client } = await registerAndLogin();
    expect((await client.post("/api/auth/logout/")).status).toBe(200);
    expect((await client.post("/api/auth/logout/")).status).toBe(200);
  });

  it("revokes by access token for clients that hold no cookie", async () => {
    const { access } = await registerAndLogin();
    const res = await new ApiClient(app.url).post("/api/auth/logout/", undefined, bearer(access));
    expect(res.status).toBe(200);
    expect((await api.get("/api/auth/me/", bearer(access))).status).toBe(401);
  });
});

describe("cross-site requests", () => {
  it("refuses refresh and logout from a foreign origin, and a cross-site fetch without one", async () => {
    const { client, access } = await registerAndLogin();
    for (const headers of [{ origin: "https://evil.example" }, { "sec-fetch-site": "cross-site" }, { origin: "null" }] as Array<Record<string, string>>) {
      const refresh = await client.request("POST", "/api/auth/token/refresh/", { headers });
      expect(refresh.status).toBe(403);
      const logout = await client.request("POST", "/api/auth/logout/", { headers });
      expect(logout.status).toBe(403);
    }
    // Nothing changed: the session is alive and its cookie still refreshes from our own origin.
    expect((await client.get("/api/auth/me/", bearer(access))).status).toBe(200);
    expect((await client.request("POST", "/api/auth/token/refresh/", { headers: { origin: app.url } })).status).toBe(200);
  });
});
