import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { ApiClient } from "../support/client";

// Second factor, passkeys and security activity through the API (docs/api.md;
// docs/security.md: sensitive changes need a recent sign-in, codes work once, wrong codes
// count toward the account lockout). One in-process app for the file.

let app: InProcessApp;
const PASSWORD = "granite lantern orchard";
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

beforeAll(async () => {
  // The lockout at its documented default, so that wrong codes can be seen to lock.
  app = await startInProcessApp({ env: { RATE_LIMIT_LOGIN_FAILURES: "5" } });
});

afterAll(async () => {
  await app?.stop();
});

let counter = 0;
async function signedIn() {
  counter += 1;
  const email = `mfa${counter}@example.com`;
  const client = new ApiClient(app.url);
  expect((await client.post("/api/auth/register/", { username: `mfa${counter}`, email, password: PASSWORD })).status).toBe(201);
  // Second factors come after the address is proven (its link has its own tests).
  await app.db().run("update users set email_verified = true where email = ?", email);
  const login = await client.post("/api/auth/login/", { email, password: PASSWORD }, { "user-agent": UA });
  expect(login.status).toBe(200);
  const headers = { authorization: `Bearer ${login.body.access as string}`, "user-agent": UA };
  const call = (method: string, path: string, json?: unknown) => client.request(method, path, { json, headers });
  return { email, client, call };
}

/** Make the session's sign-in older than REAUTH_MAX_AGE (10 minutes). */
async function ageSessions(email: string) {
  await app.db().run("update sessions set created_at = ? where user_id = (select id from users where email = ?)", Date.now() - 11 * 60_000, email);
}

const code = (secret: string, offsetSteps = 0) =>
  generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(Date.now() / 30_000) + offsetSteps), 6);

async function withTotp() {
  const account = await signedIn();
  const setup = await account.call("POST", "/api/auth/mfa/totp/setup/");
  expect(setup.status).toBe(200);
  const confirm = await account.call("POST", "/api/auth/mfa/totp/confirm/", { code: code(setup.body.secret) });
  expect(confirm.status).toBe(200);
  return { ...account, secret: setup.body.secret as string, recoveryCodes: confirm.body.recovery_codes as string[] };
}

describe("second factor", () => {
  it("describes a new account: a password, no TOTP, no passkeys", async () => {
    const { call } = await signedIn();
    const res = await call("GET", "/api/auth/mfa/");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ password: true, totp: false, recovery_codes_left: 0, passkeys: [] });
    expect((await new ApiClient(app.url).get("/api/auth/mfa/")).status).toBe(401);
  });

  it("needs a recent sign-in to start TOTP or a passkey, and re-entering the password gives one", async () => {
    const { email, call } = await signedIn();
    await ageSessions(email);
    for (const path of ["/api/auth/mfa/totp/setup/", "/api/auth/passkeys/register/options/"]) {
      const refused = await call("POST", path);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: "reauthentication_required" });
    }
    const wrong = await call("POST", "/api/auth/reauthenticate/", { password: "not my password" });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ password: ["Incorrect password"] });
    expect((await call("POST", "/api/auth/reauthenticate/", {})).status).toBe(400);
    const confirmed = await call("POST", "/api/auth/reauthenticate/", { password: PASSWORD });
    expect(confirmed.status).toBe(200);

    const setup = await call("POST", "/api/auth/mfa/totp/setup/");
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauth_uri).toMatch(new RegExp(`^otpauth://totp/.+\\?.*secret=${setup.body.secret}`));
    const options = await call("POST", "/api/auth/passkeys/register/options/");
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ rp: { id: "127.0.0.1" }, authenticatorSelection: { residentKey: "required", userVerification: "required" } });
  });

  it("refuses a wrong code at confirm, then turns on with a computed one: ten codes, a notice, nothing in clear at rest", async () => {
    const { email, call } = await signedIn();
    const setup = await call("POST", "/api/auth/mfa/totp/setup/");
    const wrong = await call("POST", "/api/auth/mfa/totp/confirm/", { code: "000000" === code(setup.body.secret) ? "111111" : "000000" });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ code: ["Invalid code"] });
    expect((await call("GET", "/api/auth/mfa/")).body.totp).toBe(false);

    const before = app.mail.messages.length;
    const confirm = await call("POST", "/api/auth/mfa/totp/confirm/", { code: code(setup.body.secret) });
    expect(confirm.status).toBe(200);
    expect(confirm.body.recovery_codes).toHaveLength(10);
    expect(new Set(confirm.body.recovery_codes).size).toBe(10);
    expect((await call("GET", "/api/auth/mfa/")).body).toEqual({ password: true, totp: true, recovery_codes_left: 10, passkeys: [] });
    await app.mail.waitForEmail(email, { after: before, subject: /two-step verification is on/i });

    const stored = JSON.stringify(await app.db().all("select * from totp_credentials join recovery_codes using (user_id)"));
    expect(stored).not.toContain(setup.body.secret);
    for (const recovery of confirm.body.recovery_codes as string[]) expect(stored).not.toContain(recovery);
    // A second setup while on is refused.
    expect((await call("POST", "/api/auth/mfa/totp/setup/")).body).toMatchObject({ code: "totp_already_enabled" });
  });

  it("accepts a code once, even from a parallel burst: new recovery codes replace the old, turning off takes a code", async () => {
    const { email, call, secret, recoveryCodes } = await withTotp();
    // The code the confirm used is spent.
    expect((await call("POST", "/api/auth/mfa/recovery-codes/", { code: code(secret) })).body).toEqual({ code: ["Invalid code"] });

    const next = code(secret, 1);
    const burst = await Promise.all(Array.from({ length: 5 }, () => call("POST", "/api/auth/mfa/recovery-codes/", { code: next })));
    // One 200, whatever the interleaving. The other four are refused as a spent code (400)
    // or, when two of them reach the end of the account's budget at once, by its lock
    // (429): which of the two depends on how the burst interleaves (PostgreSQL runs the
    // requests more in parallel than SQLite does), the refusal does not.
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 400 || s === 429)).toBe(true);
    for (const r of burst.filter((r) => r.status === 429)) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    const renewed = burst.find((r) => r.status === 200)!.body.recovery_codes as string[];
    expect(renewed.some((c) => recoveryCodes.includes(c))).toBe(false);
    // Those replays spent the account's budget (five failures lock it), and a password
    // proof cannot give any of it back while TOTP is on: it is refused outright, the code
    // being the stronger factor (decision 019). This test goes on with a fresh budget, as
    // after the lock's 15 minutes.
    expect((await call("POST", "/api/auth/reauthenticate/", { password: PASSWORD })).body).toMatchObject({ code: "second_factor_required" });
    await app.db().run("delete from rate_limits where key like ?", "account-%");

    // An old recovery code stopped working; a recovery code is no good for new codes.
    expect((await call("DELETE", "/api/auth/mfa/totp/", { code: recoveryCodes[0] })).body).toEqual({ code: ["Invalid code"] });
    expect((await call("POST", "/api/auth/mfa/recovery-codes/", { code: renewed[0] })).status).toBe(400);
    const before = app.mail.messages.length;
    const off = await call("DELETE", "/api/auth/mfa/totp/", { code: renewed[1]!.toLowerCase() });
    expect(off.status).toBe(204);
    expect((await call("GET", "/api/auth/mfa/")).body).toMatchObject({ totp: false, recovery_codes_left: 0 });
    await app.mail.waitForEmail(email, { after: before, subject: /two-step verification is off/i });
    expect(await app.db().get("select count(*) as n from recovery_codes where user_id = (select id from users where email = ?)", email)).toEqual({ n: 0 });
    expect((await call("DELETE", "/api/auth/mfa/totp/", { code: renewed[2] })).body).toMatchObject({ code: "totp_not_enabled" });
  });

  it("counts wrong codes toward the account lockout: after five, even the right code waits", async () => {
    const { call, secret } = await withTotp();
    for (let i = 0; i < 5; i++) expect((await call("POST", "/api/auth/mfa/recovery-codes/", { code: "999999" })).status).toBe(400);
    const locked = await call("POST", "/api/auth/mfa/recovery-codes/", { code: code(secret, 1) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("confirms with nothing to confirm as an error, and refuses a forged passkey registration", async () => {
    const { call } = await signedIn();
    expect((await call("POST", "/api/auth/mfa/totp/confirm/", { code: "123456" })).body).toMatchObject({ code: "totp_not_set_up" });
    const clientData = Buffer.from(JSON.stringify({ type: "webauthn.create", challenge: "not-ours", origin: app.url })).toString("base64url");
    const forged = await call("POST", "/api/auth/passkeys/register/", {
      name: "Forged",
      response: { id: "abc", rawId: "abc", type: "public-key", response: { clientDataJSON: clientData, attestationObject: "AAAA" }, clientExtensionResults: {} },
    });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ code: "invalid_challenge" });
    expect((await call("POST", "/api/auth/passkeys/register/", { name: "", response: {} })).status).toBe(400);
    expect((await call("DELETE", "/api/auth/passkeys/not-a-passkey/")).status).toBe(404);
  });
});

describe("security activity", () => {
  it("lists the user's events newest first, in the contract's shape", async () => {
    const { call, recoveryCodes } = await withTotp();
    expect((await call("DELETE", "/api/auth/mfa/totp/", { code: recoveryCodes[0] })).status).toBe(204);
    const res = await call("GET", "/api/auth/activity/");
    expect(res.status).toBe(200);
    expect(res.body.map((e: { type: string }) => e.type)).toEqual(["mfa_disabled", "mfa_enabled", "login"]);
    expect(res.body[0]).toEqual({ type: "mfa_disabled", at: expect.any(String), ip: "127.0.0.1", user_agent: UA, detail: { method: "recovery_code" } });
    expect(Date.parse(res.body[0].at)).toBeGreaterThanOrEqual(Date.parse(res.body[1].at));
    // Someone else's list is their own.
    const theirs = (await (await signedIn()).call("GET", "/api/auth/activity/")).body as Array<{ type: string; detail: unknown }>;
    expect(theirs.map((e) => [e.type, e.detail])).toEqual([["login", { method: "password" }]]);
  });
});
