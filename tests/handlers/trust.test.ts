import { createHash, randomBytes } from "node:crypto";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { ApiClient } from "../support/client";
import { RELAXED_LIMITS } from "../support/limits";

// Trust, round two (issue 17), through the API in-process, as an attacker would try it.
// What a credential change ends (docs/security.md, "A credential change"): an mfa_token
// from before a reset, a login that raced a reset, a password change that raced one, a
// re-authentication by password on a TOTP account, a password change between wrong
// codes, new recovery codes nobody heard of. Emailed links that a scanner opens first or
// a person opens twice. And the owner an attacker tries to lock out: the owner's known
// device keeps its way in (docs/decisions/025). One app for the file; the account
// lockout (5 failures) and the per-address email cap (3 an hour) are on, the other
// limits out of the way.

let app: InProcessApp;
const PASSWORD = "the old lock on the door";
const NEW_PASSWORD = "a brand new lock entirely";

beforeAll(async () => {
  app = await startInProcessApp({ env: { ...RELAXED_LIMITS, RATE_LIMIT_LOGIN_FAILURES: "5", RATE_LIMIT_EMAIL_PER_ADDRESS: "3", REAUTH_MAX_AGE: "60" } });
});

afterAll(async () => {
  await app?.stop();
});

const step = (offset = 0) => BigInt(Math.floor(Date.now() / 30_000) + offset);
const totp = (secret: string, offset = 0) => generateHOTP(decodeBase32IgnorePadding(secret), step(offset), 6);
const bearer = (access: string) => ({ authorization: `Bearer ${access}` });
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

let counter = 0;
/** A verified account, signed in once: its client holds the refresh cookie. */
async function account(password = PASSWORD) {
  counter += 1;
  const email = `changes${counter}@example.com`;
  const client = new ApiClient(app.url);
  expect((await client.post("/api/auth/register/", { username: `changes${counter}`, email, password })).status).toBe(201);
  await app.db().run("update users set email_verified = true where email = ?", email);
  const login = await client.post("/api/auth/login/", { email, password });
  expect(login.status).toBe(200);
  const { id } = (await app.db().get<{ id: number }>("select id from users where email = ?", email))!;
  return { email, id, client, access: login.body.access as string };
}

async function withTotp() {
  const user = await account();
  const setup = await user.client.post("/api/auth/mfa/totp/setup/", {}, bearer(user.access));
  expect(setup.status).toBe(200);
  const confirm = await user.client.post("/api/auth/mfa/totp/confirm/", { code: totp(setup.body.secret) }, bearer(user.access));
  expect(confirm.status).toBe(200);
  return { ...user, secret: setup.body.secret as string, recoveryCodes: confirm.body.recovery_codes as string[] };
}

/** A reset link for the user, as its email would carry it (the token is stored hashed). */
async function resetToken(userId: number): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const now = Date.now();
  await app.db().run(
    "insert into password_reset_tokens (user_id, token_hash, created_at, expires_at) values (?, ?, ?, ?)",
    userId,
    sha256(token),
    now,
    now + 3_600_000,
  );
  return token;
}

/** A code that the account has not spent yet (each TOTP step is accepted once). */
async function freshCode(secret: string, userId: number): Promise<string> {
  const row = await app.db().get<{ last_used_step: number | null }>("select last_used_step from totp_credentials where user_id = ?", userId);
  const spent = row?.last_used_step ?? -1;
  for (const offset of [0, 1]) if (Number(step(offset)) > spent) return totp(secret, offset);
  throw new Error("no unspent step within the drift window");
}

describe("a reset or change ends the half-finished sign-ins of the old password", () => {
  it("an mfa_token from before a reset is refused after it", async () => {
    const user = await withTotp();
    const first = await new ApiClient(app.url).post("/api/auth/login/", { email: user.email, password: PASSWORD });
    expect(first.body.mfa_required).toBe(true);

    const reset = await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token: await resetToken(user.id), password: NEW_PASSWORD });
    expect(reset.status).toBe(200);

    const verify = await new ApiClient(app.url).post("/api/auth/mfa/verify/", { mfa_token: first.body.mfa_token, code: await freshCode(user.secret, user.id) });
    expect(verify.status).toBe(400);
    expect(verify.body).toEqual({ detail: "Invalid or expired token" });
  });

  it("an mfa_token from before a password change is refused after it", async () => {
    const user = await withTotp();
    const first = await new ApiClient(app.url).post("/api/auth/login/", { email: user.email, password: PASSWORD });
    expect(first.body.mfa_required).toBe(true);

    const change = await user.client.post("/api/auth/password/change/", { current_password: PASSWORD, new_password: NEW_PASSWORD }, bearer(user.access));
    expect(change.status).toBe(200);

    const verify = await new ApiClient(app.url).post("/api/auth/mfa/verify/", { mfa_token: first.body.mfa_token, code: await freshCode(user.secret, user.id) });
    expect(verify.body).toEqual({ detail: "Invalid or expired token" });
    // Spent, not merely refused: the row says so.
    const live = await app.db().get<{ n: number }>("select count(*) as n from mfa_tokens where user_id = ? and used_at is null", user.id);
    expect(Number(live!.n)).toBe(0);
  });
});

describe("a sign-in that raced a credential change gets nothing that outlives it", () => {
  it("a login with the old password that passed its hash just before a reset committed holds no live session after it", async () => {
    const outcomes: string[] = [];
    // Offsets around the reset's own hash (both take one argon2 verification or hash).
    for (const offset of [0, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]) {
      const user = await account();
      const token = await resetToken(user.id);
      const loginClient = new ApiClient(app.url);
      const login = loginClient.post("/api/auth/login/", { email: user.email, password: PASSWORD });
      await new Promise((r) => setTimeout(r, offset));
      const reset = await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token, password: NEW_PASSWORD });
      expect(reset.status).toBe(200);
      const loggedIn = await login;
      if (loggedIn.status !== 200) {
        expect(loggedIn.body).toEqual({ non_field_errors: ["Invalid credentials"] });
        outcomes.push("refused");
        continue;
      }
      // A session it got must have died with the reset: its token and its cookie both.
      const me = await loginClient.get("/api/auth/me/", bearer(loggedIn.body.access));
      const refresh = await loginClient.post("/api/auth/token/refresh/");
      outcomes.push(`me ${me.status}, refresh ${refresh.status}`);
    }
    expect(outcomes.filter((o) => o !== "refused" && o !== "me 401, refresh 401")).toEqual([]);
  });

  it("a password change that passed its check just before a reset committed does not undo the reset", async () => {
    const outcomes: string[] = [];
    for (const offset of [0, 4, 8, 12, 16, 20]) {
      const user = await account();
      const token = await resetToken(user.id);
      const changedTo = `${PASSWORD} changed`;
      const change = user.client.post("/api/auth/password/change/", { current_password: PASSWORD, new_password: changedTo }, bearer(user.access));
      await new Promise((r) => setTimeout(r, offset));
      const reset = await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token, password: NEW_PASSWORD });
      const changed = await change;
      // One of the two wins: the change spends the link, or the reset outdates the password
      // the change proved. Whichever won, its password is the one that signs in.
      const winner = reset.status === 200 ? NEW_PASSWORD : changedTo;
      const login = await new ApiClient(app.url).post("/api/auth/login/", { email: user.email, password: winner });
      outcomes.push(`change ${changed.status}, reset ${reset.status}, winner signs in ${login.status}`);
    }
    const bad = outcomes.filter((o) => o.startsWith("change 200, reset 200") || !o.endsWith("signs in 200"));
    expect(bad, outcomes.join("\n")).toEqual([]);
  });
});

describe("re-authentication takes the strongest factor the account has", () => {
  it("a TOTP account cannot re-authenticate with the password alone, so a stale session cannot add a passkey with it", async () => {
    const user = await withTotp();
    // A session that signed in long ago (older than REAUTH_MAX_AGE).
    await app.db().run("update sessions set created_at = ? where user_id = ?", Date.now() - 3_600_000, user.id);
    await app.db().run("delete from session_reauthentications");

    const byPassword = await user.client.post("/api/auth/reauthenticate/", { password: PASSWORD }, bearer(user.access));
    expect(byPassword.status).toBe(400);
    expect(byPassword.body.code).toBe("second_factor_required");
    const options = await user.client.post("/api/auth/passkeys/register/options/", {}, bearer(user.access));
    expect(options.status).toBe(403);
    expect(options.body.code).toBe("reauthentication_required");

    const byCode = await user.client.post("/api/auth/reauthenticate/", { code: await freshCode(user.secret, user.id) }, bearer(user.access));
    expect(byCode.status).toBe(200);
    expect((await user.client.post("/api/auth/passkeys/register/options/", {}, bearer(user.access))).status).toBe(200);
  });

  it("a password proof made before TOTP was turned on elsewhere does not count as recent afterwards", async () => {
    const user = await account();
    await app.db().run("update sessions set created_at = ? where user_id = ?", Date.now() - 3_600_000, user.id);
    // Without TOTP, the password is the strongest factor: it counts.
    expect((await user.client.post("/api/auth/reauthenticate/", { password: PASSWORD }, bearer(user.access))).status).toBe(200);
    // The owner turns TOTP on from another session (its own confirmation counts there).
    const owner = await new ApiClient(app.url).post("/api/auth/login/", { email: user.email, password: PASSWORD });
    const setup = await user.client.post("/api/auth/mfa/totp/setup/", {}, bearer(owner.body.access));
    expect((await user.client.post("/api/auth/mfa/totp/confirm/", { code: totp(setup.body.secret) }, bearer(owner.body.access))).status).toBe(200);
    expect((await user.client.post("/api/auth/passkeys/register/options/", {}, bearer(owner.body.access))).status).toBe(200);
    // The first session's proof was a password alone: no longer enough to add a passkey.
    const options = await user.client.post("/api/auth/passkeys/register/options/", {}, bearer(user.access));
    expect(options.status).toBe(403);
    expect(options.body.code).toBe("reauthentication_required");
  });
});

describe("the lockout budget of a TOTP account", () => {
  it("a password change between wrong codes does not refund them: twelve wrong codes lock", async () => {
    const user = await withTotp();
    const statuses: number[] = [];
    let password = PASSWORD;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) {
        statuses.push((await user.client.post("/api/auth/reauthenticate/", { code: "000000" }, bearer(user.access))).status);
      }
      const next = `${PASSWORD} round ${round}`;
      const change = await user.client.post("/api/auth/password/change/", { current_password: password, new_password: next }, bearer(user.access));
      if (change.status === 200) password = next;
      statuses.push(change.status);
    }
    expect(statuses).toContain(429);
    // Locked means locked: the right code is refused too until the lock runs out.
    const right = await user.client.post("/api/auth/reauthenticate/", { code: await freshCode(user.secret, user.id) }, bearer(user.access));
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("new recovery codes leave a trace", () => {
  it("records recovery_codes_regenerated and tells the owner", async () => {
    const user = await withTotp();
    const before = app.mail.messages.length;
    const regenerated = await user.client.post("/api/auth/mfa/recovery-codes/", { code: await freshCode(user.secret, user.id) }, bearer(user.access));
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.recovery_codes).toHaveLength(10);

    const activity = await user.client.get("/api/auth/activity/", bearer(user.access));
    expect(activity.body[0].type).toBe("recovery_codes_regenerated");
    const notice = await app.mail.waitForEmail(user.email, { subject: /recovery codes/i, after: before });
    expect(notice.text).toContain("new recovery codes");
    // The codes themselves never travel by email.
    for (const code of regenerated.body.recovery_codes) expect(notice.text).not.toContain(code);
  });
});

/** A verification link's token for the user, as its email would carry it. */
async function verificationToken(userId: number, options: { expired?: boolean } = {}): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const now = Date.now();
  await app.db().run(
    "insert into email_verification_tokens (user_id, token_hash, created_at, expires_at) values (?, ?, ?, ?)",
    userId,
    sha256(token),
    now - 1000,
    options.expired ? now - 1 : now + 86_400_000,
  );
  return token;
}

async function unverifiedAccount() {
  counter += 1;
  const email = `links${counter}@example.com`;
  const client = new ApiClient(app.url);
  expect((await client.post("/api/auth/register/", { username: `links${counter}`, email, password: PASSWORD })).status).toBe(201);
  const { id } = (await app.db().get<{ id: number }>("select id from users where email = ?", email))!;
  return { email, id, client };
}

const isVerified = async (userId: number) =>
  Boolean(Number((await app.db().get<{ v: number }>("select email_verified as v from users where id = ?", userId))!.v));

describe("emailed links change nothing until their page's button is pressed", () => {
  it("what the page of a verification link asks on arrival verifies nothing; the button does, and again says verified", async () => {
    // Opening the page itself (a server-rendered page, as a scanner opens it) is
    // tests/integration/server.test.ts's: that needs the built server.
    const user = await unverifiedAccount();
    const token = await verificationToken(user.id);
    const check = await user.client.post("/api/auth/verify-email/check/", { token });
    expect(check.body).toEqual({ state: "ready" });
    expect(await isVerified(user.id)).toBe(false);

    expect((await user.client.post("/api/auth/verify-email/", { token })).body).toEqual({ message: "Email verified" });
    expect(await isVerified(user.id)).toBe(true);
    // A second click, a reload, the second of two emails: verified, never "does not work".
    expect((await user.client.post("/api/auth/verify-email/check/", { token })).body).toEqual({ state: "verified" });
    expect((await user.client.post("/api/auth/verify-email/", { token })).body).toEqual({ message: "Email verified" });
    const other = await verificationToken(user.id, { expired: true });
    expect((await user.client.post("/api/auth/verify-email/", { token: other })).status).toBe(200);
    // The seed's GET keeps the seed's answer for clients that call it directly: a token works once.
    expect((await user.client.get(`/api/auth/verify-email/?token=${token}`)).body).toEqual({ detail: "Invalid or expired token" });
    // Exactly one event for the one verification.
    const events = await app.db().all("select type from security_events where user_id = ? and type = 'email_verified'", user.id);
    expect(events).toHaveLength(1);
  });

  it("a used or expired link of an unverified address, or a made-up one, still says it does not work", async () => {
    const user = await unverifiedAccount();
    const expired = await verificationToken(user.id, { expired: true });
    for (const token of [expired, randomBytes(32).toString("base64url"), "short"]) {
      expect((await user.client.post("/api/auth/verify-email/check/", { token })).status).toBe(400);
      expect((await user.client.post("/api/auth/verify-email/", { token })).body).toEqual({ detail: "Invalid or expired token" });
    }
    expect(await isVerified(user.id)).toBe(false);
  });

  it("a reset link says used or expired before anyone types a password, and the check spends nothing", async () => {
    const user = await account();
    const token = await resetToken(user.id);
    const client = new ApiClient(app.url);
    for (let i = 0; i < 3; i++) expect((await client.post("/api/auth/password/reset/check/", { token })).body).toEqual({ state: "ready" });
    expect((await client.post("/api/auth/password/reset/confirm/", { token, password: NEW_PASSWORD })).status).toBe(200);
    const used = await client.post("/api/auth/password/reset/check/", { token });
    expect(used.status).toBe(400);
    expect(used.body.code).toBe("used");

    const late = randomBytes(32).toString("base64url");
    await app.db().run(
      "insert into password_reset_tokens (user_id, token_hash, created_at, expires_at) values (?, ?, ?, ?)",
      user.id,
      sha256(late),
      Date.now() - 7_200_000,
      Date.now() - 3_600_000,
    );
    expect((await client.post("/api/auth/password/reset/check/", { token: late })).body.code).toBe("expired");
    expect((await client.post("/api/auth/password/reset/check/", { token: randomBytes(32).toString("base64url") })).body).toEqual({
      detail: "Invalid or expired token",
    });
  });
});

describe("the owner an attacker tries to keep out", () => {
  const DEVICE_COOKIE = "device_token";
  const wrong = (email: string) => new ApiClient(app.url).post("/api/auth/login/", { email, password: "not the password at all" });

  it("keeps signing in from a browser that signed in before, while the account is locked for everyone else", async () => {
    const owner = await account();
    expect(owner.client.cookies.get(DEVICE_COOKIE)).toMatch(/^v1\.\d+\./);
    // The attacker guesses until the account is locked, and keeps at it.
    const guesses: number[] = [];
    for (let i = 0; i < 8; i++) guesses.push((await wrong(owner.email)).status);
    expect(guesses).toContain(429);
    // A fresh browser with the right password is locked out too: the lock holds.
    const stranger = await new ApiClient(app.url).post("/api/auth/login/", { email: owner.email, password: PASSWORD });
    expect(stranger.status).toBe(429);
    // The owner's own browser is not.
    const again = await owner.client.post("/api/auth/login/", { email: owner.email, password: PASSWORD });
    expect(again.status).toBe(200);

    // A device cookie is no skeleton key: forged, or another account's, it counts for nothing.
    const [version, , nonce, mac] = owner.client.cookies.get(DEVICE_COOKIE)!.split(".");
    for (const forged of [`${version}.${owner.id}.${nonce}.${mac!.slice(0, -2)}AA`, `${version}.${owner.id + 1}.${nonce}.${mac}`, `${version}.${owner.id}.${nonce}`]) {
      const attempt = await new ApiClient(app.url).request("POST", "/api/auth/login/", {
        json: { email: owner.email, password: PASSWORD },
        headers: { cookie: `${DEVICE_COOKIE}=${forged}` },
      });
      expect(attempt.status).toBe(429);
    }
    const someone = await account();
    const borrowed = await new ApiClient(app.url).request("POST", "/api/auth/login/", {
      json: { email: owner.email, password: PASSWORD },
      headers: { cookie: `${DEVICE_COOKIE}=${someone.client.cookies.get(DEVICE_COOKIE)}` },
    });
    expect(borrowed.status).toBe(429);
  });

  it("with two-step on, the second step from the owner's device is not locked by the attacker's guesses either", async () => {
    const owner = await withTotp();
    for (let i = 0; i < 8; i++) await wrong(owner.email);
    const first = await owner.client.post("/api/auth/login/", { email: owner.email, password: PASSWORD });
    expect(first.body.mfa_required).toBe(true);
    const second = await owner.client.post("/api/auth/mfa/verify/", { mfa_token: first.body.mfa_token, code: await freshCode(owner.secret, owner.id) });
    expect(second.status).toBe(200);
    expect(second.body.access).toEqual(expect.any(String));
  });

  it("a password reset outdates every device cookie the old password earned", async () => {
    const owner = await account();
    // Someone who knew the password signed in from their own browser too.
    const intruder = new ApiClient(app.url);
    expect((await intruder.post("/api/auth/login/", { email: owner.email, password: PASSWORD })).status).toBe(200);
    expect((await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token: await resetToken(owner.id), password: NEW_PASSWORD })).status).toBe(200);
    // The intruder's browser now counts as any other: its guesses lock the account.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await intruder.post("/api/auth/login/", { email: owner.email, password: `guess ${i}` })).status);
    expect(statuses).toContain(429);
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email: owner.email, password: NEW_PASSWORD })).status).toBe(429);
  });

  it("a known device's own guesses lock that device only after its own budget", async () => {
    const owner = await account();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await owner.client.post("/api/auth/login/", { email: owner.email, password: "a wrong guess from the laptop" })).status);
    }
    expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
    expect(statuses).toContain(429);
    // Its guesses did not lock the account for the owner's other browsers.
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email: owner.email, password: PASSWORD })).status).toBe(200);
  });

  it("gets the reserved reset email of the hour from a known device after an attacker spent the address's cap", async () => {
    const owner = await account();
    const sent = () => app.mail.messages.filter((m) => m.to.includes(owner.email) && m.subject === "Reset your password").length;
    // The attacker spends the cap (the registration's verification email counted as one).
    for (let i = 0; i < 4; i++) expect((await new ApiClient(app.url).post("/api/auth/password/reset/", { email: owner.email })).status).toBe(202);
    await expect.poll(sent, { timeout: 10_000 }).toBe(2);
    const capped = await app.db().get<{ n: number }>("select count(*) as n from password_reset_tokens where user_id = ?", owner.id);

    // From the owner's browser: the one reserved email goes out, and the link in it works.
    expect((await owner.client.post("/api/auth/password/reset/", { email: owner.email })).status).toBe(202);
    await expect.poll(sent, { timeout: 10_000 }).toBe(3);
    // The reserved one is one an hour: the next asks, even from the owner's device, send nothing and make no link.
    expect((await owner.client.post("/api/auth/password/reset/", { email: owner.email })).status).toBe(202);
    expect((await new ApiClient(app.url).post("/api/auth/password/reset/", { email: owner.email })).status).toBe(202);
    const tokens = await app.db().get<{ n: number }>("select count(*) as n from password_reset_tokens where user_id = ?", owner.id);
    expect(Number(tokens!.n)).toBe(Number(capped!.n) + 1);
    const reserved = await app.db().get<{ n: number }>("select count(*) as n from emails where recipient_key = ? and reserved = true", owner.email);
    expect(Number(reserved!.n)).toBe(1);
  });
});
