import { createHash, randomBytes } from "node:crypto";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";
import { RELAXED_LIMITS } from "../support/limits";

// What a credential change ends (docs/security.md, "A credential change ends what the old
// state vouched for"), through the built server, as an attacker would try it: an
// mfa_token from before a reset, a login that raced a reset, a password change that raced
// one, a re-authentication by password on a TOTP account, a password change between
// wrong codes, new recovery codes nobody heard of. One server for the file; the account
// lockout is on (5 failures), the other limits are out of the way.

let app: RunningApp;
const PASSWORD = "the old lock on the door";
const NEW_PASSWORD = "a brand new lock entirely";

beforeAll(async () => {
  app = await startApp({ env: { ...RELAXED_LIMITS, RATE_LIMIT_LOGIN_FAILURES: "5", REAUTH_MAX_AGE: "60" } });
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
