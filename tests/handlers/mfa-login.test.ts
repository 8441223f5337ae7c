import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseAtProvider, signInThroughProvider, startAppWithFakeProvider } from "../../e2e/fake-oauth/drive";
import type { FakeOAuthProvider } from "../../e2e/fake-oauth/server";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { ApiClient, type ApiResponse } from "../support/client";
import { linkIn } from "../support/fake-resend";

// Signing in with a second factor on, through the API in-process (docs/api.md, login with a
// second factor on; docs/security.md): the first step starts no session, the mfa_token is
// single use and expires, a TOTP code works once, a recovery code once, wrong codes lock
// the account like wrong passwords, and social sign-in (browser and POST exchange) waits
// for the code too. Users without a second factor sign in, refresh and call /me as before.
// One app (with the fake provider) for the file.

let app: InProcessApp;
let fake: FakeOAuthProvider;
const PASSWORD = "two locks on one door";
const UA = "mfa-login-test";

beforeAll(async () => {
  ({ app, fake } = await startAppWithFakeProvider({ start: startInProcessApp, providers: ["github"], env: { RATE_LIMIT_LOGIN_FAILURES: "5" } }));
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

const step = (offset = 0) => BigInt(Math.floor(Date.now() / 30_000) + offset);
const totp = (secret: string, offset = 0) => generateHOTP(decodeBase32IgnorePadding(secret), step(offset), 6);
const bearer = (access: string) => ({ authorization: `Bearer ${access}`, "user-agent": UA });

let counter = 0;
async function account() {
  counter += 1;
  const email = `second${counter}@example.com`;
  const client = new ApiClient(app.url);
  expect((await client.post("/api/auth/register/", { username: `second${counter}`, email, password: PASSWORD })).status).toBe(201);
  // Second factors come after the address is proven (its link has its own tests).
  await app.db().run("update users set email_verified = true where email = ?", email);
  return { email, client };
}

/** Turn TOTP on with a session of `client`; the confirm spends the current step. */
async function turnOnTotp(access: string) {
  const client = new ApiClient(app.url);
  const setup = await client.post("/api/auth/mfa/totp/setup/", {}, bearer(access));
  expect(setup.status).toBe(200);
  const confirm = await client.post("/api/auth/mfa/totp/confirm/", { code: totp(setup.body.secret) }, bearer(access));
  expect(confirm.status).toBe(200);
  return { secret: setup.body.secret as string, recoveryCodes: confirm.body.recovery_codes as string[] };
}

async function withTotp() {
  const { email, client } = await account();
  const login = await client.post("/api/auth/login/", { email, password: PASSWORD });
  return { email, ...(await turnOnTotp(login.body.access)) };
}

/** The first step: the right password, with a fresh client (no cookie yet). */
async function firstStep(email: string): Promise<{ client: ApiClient; res: ApiResponse }> {
  const client = new ApiClient(app.url);
  const res = await client.request("POST", "/api/auth/login/", { json: { email, password: PASSWORD }, headers: { "user-agent": UA } });
  return { client, res };
}

const verify = (client: ApiClient, body: Record<string, unknown>) =>
  client.request("POST", "/api/auth/mfa/verify/", { json: body, headers: { "user-agent": UA } });

const activityTypes = async (access: string) =>
  ((await new ApiClient(app.url).get("/api/auth/activity/", bearer(access))).body as Array<{ type: string; detail: Record<string, unknown> }>).map(
    (e) => [e.type, e.detail] as const,
  );

describe("without a second factor", () => {
  it("signs in, refreshes and answers /me as before, and records the sign-in", async () => {
    const { email } = await account();
    const { client, res } = await firstStep(email);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access: expect.any(String), user: expect.objectContaining({ email }) });
    expect(client.cookies.get("refresh_token")).toBeTruthy();
    expect((await client.get("/api/auth/me/", bearer(res.body.access))).status).toBe(200);
    const refreshed = await client.post("/api/auth/token/refresh/");
    expect(refreshed.status).toBe(200);
    // A wrong password for a known account is recorded; an unknown address has no one to tell.
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email, password: "not it at all" })).status).toBe(400);
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email: "nobody@example.com", password: "not it at all" })).status).toBe(400);
    expect((await client.post("/api/auth/logout/", undefined, { authorization: `Bearer ${refreshed.body.access}` })).status).toBe(200);
    const again = await firstStep(email);
    expect(await activityTypes(again.res.body.access)).toEqual([
      ["login", { method: "password" }],
      ["logout", {}],
      ["login_failed", { method: "password" }],
      ["login", { method: "password" }],
    ]);
    expect(await app.db().get("select count(*) as n from security_events where user_id is null")).toEqual({ n: 0 });
  });
});

describe("security activity from every flow", () => {
  it("records email verification, password change and reset, sessions ended, and a refresh token reused", async () => {
    const { email } = await account();
    const verification = await app.mail.waitForEmail(email, { subject: /verify/i });
    const verifyToken = new URL(linkIn(verification, `${app.url}/verify-email/?token=`)).searchParams.get("token")!;
    expect((await new ApiClient(app.url).get(`/api/auth/verify-email/?token=${verifyToken}`)).status).toBe(200);

    const phone = await firstStep(email);
    const laptop = await firstStep(email);
    await firstStep(email); // a tablet, for "sign out everywhere else"
    const oldRefresh = laptop.client.cookies.get("refresh_token")!;
    expect((await laptop.client.post("/api/auth/token/refresh/")).status).toBe(200);
    // The rotated token again, past the grace window: theft, the session dies.
    await app.db().run("update refresh_tokens set rotated_at = ? where rotated_at is not null", Date.now() - 60_000);
    const stolen = await new ApiClient(app.url).request("POST", "/api/auth/token/refresh/", { headers: { cookie: `refresh_token=${oldRefresh}` } });
    expect(stolen.status).toBe(401);

    const auth = bearer(phone.res.body.access);
    expect((await phone.client.post("/api/auth/sessions/revoke-others/", undefined, auth)).status).toBe(200);
    const newPassword = "a different lock entirely";
    expect((await phone.client.post("/api/auth/password/change/", { current_password: PASSWORD, new_password: newPassword }, auth)).status).toBe(200);
    const before = app.mail.messages.length;
    expect((await new ApiClient(app.url).post("/api/auth/password/reset/", { email })).status).toBe(202);
    const reset = await app.mail.waitForEmail(email, { after: before, subject: /^Reset your password/ });
    const resetToken = new URL(linkIn(reset, `${app.url}/reset-password/?token=`)).searchParams.get("token")!;
    expect((await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token: resetToken, password: PASSWORD })).status).toBe(200);

    const again = await firstStep(email);
    const types = (await activityTypes(again.res.body.access)).map(([type]) => type);
    expect(types).toEqual(["login", "password_reset", "password_changed", "session_revoked", "refresh_reuse", "login", "login", "login", "email_verified"]);
  });
});

describe("with TOTP on", () => {
  it("answers the right password with mfa_required and nothing else; the right code then gives exactly the login body", async () => {
    const { email, secret } = await withTotp();
    const { client, res } = await firstStep(email);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfa_required: true, mfa_token: expect.any(String), methods: ["totp", "recovery_code"], detail: "Enter the code from your authenticator app to finish signing in." });
    expect(res.setCookies).toEqual([]);
    expect(client.cookies.size).toBe(0);

    // A wrong code leaves the token usable.
    const wrong = await verify(client, { mfa_token: res.body.mfa_token, code: totp(secret) === "000000" ? "111111" : "000000" });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ code: ["Invalid code"] });
    expect(client.cookies.size).toBe(0);

    const done = await verify(client, { mfa_token: res.body.mfa_token, code: totp(secret, 1) });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ access: expect.any(String), user: expect.objectContaining({ email }) });
    expect(client.cookies.get("refresh_token")).toBeTruthy();
    expect((await client.get("/api/auth/me/", bearer(done.body.access))).status).toBe(200);
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(200);

    // Single use: the spent token, an unknown one, a forged one.
    for (const mfa_token of [res.body.mfa_token, "x".repeat(43), res.body.mfa_token.slice(0, -1)]) {
      const spent = await verify(new ApiClient(app.url), { mfa_token, code: totp(secret, 1) });
      expect(spent.status).toBe(400);
      expect(spent.body).toEqual({ detail: "Invalid or expired token" });
    }
    expect((await activityTypes(done.body.access)).slice(0, 2)).toEqual([
      ["login", { method: "password", second_factor: "totp" }],
      ["login_failed", { method: "password", second_factor: "totp" }],
    ]);
  });

  it("refuses a replayed TOTP code, even with a new mfa_token", async () => {
    const { email, secret } = await withTotp();
    const first = await firstStep(email);
    const code = totp(secret, 1);
    expect((await verify(first.client, { mfa_token: first.res.body.mfa_token, code })).status).toBe(200);
    const second = await firstStep(email);
    const replay = await verify(second.client, { mfa_token: second.res.body.mfa_token, code });
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ code: ["Invalid code"] });
  });

  it("expires the mfa_token after 5 minutes", async () => {
    const { email, secret } = await withTotp();
    const { client, res } = await firstStep(email);
    await app.db().run("update mfa_tokens set expires_at = ? where user_id = (select id from users where email = ?)", Date.now() - 1, email);
    const late = await verify(client, { mfa_token: res.body.mfa_token, code: totp(secret, 1) });
    expect(late.status).toBe(400);
    expect(late.body).toEqual({ detail: "Invalid or expired token" });
  });

  it("gives one session to a parallel burst of one token and its right code", async () => {
    const { email, secret } = await withTotp();
    const { res } = await firstStep(email);
    const code = totp(secret, 1);
    const burst = await Promise.all(Array.from({ length: 6 }, () => verify(new ApiClient(app.url), { mfa_token: res.body.mfa_token, code })));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await app.db().get("select count(*) as n from sessions where user_id = (select id from users where email = ?)", email)).toEqual({ n: 1 + 1 });
  });

  it("takes a recovery code once, and tells the owner", async () => {
    const { email, recoveryCodes } = await withTotp();
    const first = await firstStep(email);
    const before = app.mail.messages.length;
    const used = await verify(first.client, { mfa_token: first.res.body.mfa_token, recovery_code: recoveryCodes[2] });
    expect(used.status).toBe(200);
    await app.mail.waitForEmail(email, { after: before, subject: /recovery code was used/i });
    const second = await firstStep(email);
    expect((await verify(second.client, { mfa_token: second.res.body.mfa_token, recovery_code: recoveryCodes[2] })).body).toEqual({ code: ["Invalid code"] });
    // A recovery code is no TOTP code, and the other way round.
    expect((await verify(second.client, { mfa_token: second.res.body.mfa_token, code: recoveryCodes[3] })).status).toBe(400);
    expect((await verify(second.client, { mfa_token: second.res.body.mfa_token, code: recoveryCodes[4], recovery_code: recoveryCodes[4] })).status).toBe(400);
  });

  it("locks the account after five wrong codes, as after five wrong passwords", async () => {
    const { email, secret } = await withTotp();
    const { client, res } = await firstStep(email);
    for (let i = 0; i < 5; i++) expect((await verify(client, { mfa_token: res.body.mfa_token, code: "999999" })).status).toBe(400);
    const locked = await verify(client, { mfa_token: res.body.mfa_token, code: totp(secret, 1) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // The password is locked out with it.
    expect((await firstStep(email)).res.status).toBe(429);
  });

  it("does not let the right password refund wrong codes: signing in again after four keeps the count", async () => {
    const { email, secret } = await withTotp();
    const first = await firstStep(email);
    for (let i = 0; i < 4; i++) expect((await verify(first.client, { mfa_token: first.res.body.mfa_token, code: "999999" })).status).toBe(400);
    // Whoever knows the password starts over with a new token: the four guesses stand.
    const again = await firstStep(email);
    expect(again.res.status).toBe(200);
    expect(again.res.body.mfa_required).toBe(true);
    expect((await verify(again.client, { mfa_token: again.res.body.mfa_token, code: "999999" })).status).toBe(400);
    const locked = await verify(again.client, { mfa_token: again.res.body.mfa_token, code: totp(secret, 1) });
    expect(locked.status).toBe(429);
  });

  it("clears the count once the code is right", async () => {
    const { email, secret } = await withTotp();
    const first = await firstStep(email);
    for (let i = 0; i < 4; i++) expect((await verify(first.client, { mfa_token: first.res.body.mfa_token, code: "999999" })).status).toBe(400);
    expect((await verify(first.client, { mfa_token: first.res.body.mfa_token, code: totp(secret, 1) })).status).toBe(200);
    const next = await firstStep(email);
    for (let i = 0; i < 4; i++) expect((await verify(next.client, { mfa_token: next.res.body.mfa_token, code: "999999" })).status).toBe(400);
  });
});

describe("passkey sign-in, forged", () => {
  const assertion = (challenge: string, id = "bm90LWEtcGFzc2tleQ") => ({
    id,
    rawId: id,
    type: "public-key",
    response: {
      clientDataJSON: Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin: app.url })).toString("base64url"),
      authenticatorData: "AAAA",
      signature: "AAAA",
    },
    clientExtensionResults: {},
  });

  it("refuses a challenge that is not ours, an unknown passkey, and a challenge used twice; starts no session", async () => {
    const client = new ApiClient(app.url);
    const options = await client.post("/api/auth/passkeys/login/options/");
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ rpId: "127.0.0.1", userVerification: "required", challenge: expect.any(String) });
    expect(options.body.allowCredentials ?? []).toEqual([]);

    const notOurs = await client.post("/api/auth/passkeys/login/", { response: assertion("bm90LW91cnM") });
    expect(notOurs.body).toMatchObject({ code: "invalid_challenge" });
    const unknown = await client.post("/api/auth/passkeys/login/", { response: assertion(options.body.challenge) });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: "passkey_verification_failed" });
    // The challenge was spent by that attempt.
    expect((await client.post("/api/auth/passkeys/login/", { response: assertion(options.body.challenge) })).body).toMatchObject({ code: "invalid_challenge" });
    expect(client.cookies.size).toBe(0);

    // As the second step: a passkey that is not the user's does not pass, and the token stays usable.
    const { email, secret } = await withTotp();
    const first = await firstStep(email);
    const second = await client.post("/api/auth/passkeys/login/options/");
    const refused = await verify(first.client, { mfa_token: first.res.body.mfa_token, passkey: assertion(second.body.challenge) });
    expect(refused.body).toMatchObject({ code: "passkey_verification_failed" });
    expect((await verify(first.client, { mfa_token: first.res.body.mfa_token, code: totp(secret, 1) })).status).toBe(200);
  });
});

describe("social sign-in of a user with TOTP on", () => {
  let secret: string;
  beforeAll(async () => {
    fake.addUser({ id: "7001", login: "twofactor", name: "Two Factor", email: "twofactor@example.test", emailVerified: true });
    // The first sign-in (TOTP still off) makes the account and a session to turn it on with.
    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "github", "7001");
    expect(callback.status).toBe(302);
    const refreshed = await client.post("/api/auth/token/refresh/");
    ({ secret } = await turnOnTotp(refreshed.body.access));
  });

  it("ends the browser flow on the page that asks for the code, with the token in the fragment and no session", async () => {
    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "github", "7001", { next: "/profile/" });
    expect(callback.status).toBe(302);
    const location = new URL(callback.headers.get("location")!);
    expect(location.pathname).toBe("/login/two-step/");
    expect(location.searchParams.get("next")).toBe("/profile/");
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get("methods")).toBe("totp,recovery_code");
    expect(client.cookies.get("refresh_token")).toBeUndefined();
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(400);

    const done = await verify(client, { mfa_token: fragment.get("mfa_token"), code: totp(secret, 1) });
    expect(done.status).toBe(200);
    expect(client.cookies.get("refresh_token")).toBeTruthy();
    expect((await activityTypes(done.body.access))[0]).toEqual(["login", { method: "github", second_factor: "totp" }]);
  });

  it("answers the POST code exchange with the mfa_required body and no cookie", async () => {
    const redirectUri = `${app.url}/api/auth/social/github/callback/`;
    const { authorizeUrl } = await startFlowUrl(redirectUri);
    const back = await chooseAtProvider(authorizeUrl.url, { user: "7001" });
    const client = new ApiClient(app.url);
    const res = await client.post("/api/auth/social/github/", { code: back.searchParams.get("code"), code_verifier: authorizeUrl.verifier, redirect_uri: redirectUri });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mfa_required: true, mfa_token: expect.any(String), methods: ["totp", "recovery_code"], detail: "Enter the code from your authenticator app to finish signing in." });
    expect(res.setCookies).toEqual([]);
  });
});

/** An authorization URL as an external client builds it (PKCE), for the POST exchange. */
async function startFlowUrl(redirectUri: string): Promise<{ authorizeUrl: { url: URL; verifier: string } }> {
  const { createHash, randomBytes } = await import("node:crypto");
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(fake.env().GITHUB_AUTH_URL!);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: fake.clients.github.clientId,
    redirect_uri: redirectUri,
    state: randomBytes(16).toString("base64url"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    scope: "read:user user:email",
  }).toString();
  return { authorizeUrl: { url, verifier } };
}
