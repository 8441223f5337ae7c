import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseAtProvider, returnToApp, signInThroughProvider, startAppWithFakeProvider, startSocialFlow } from "../../e2e/fake-oauth/drive";
import type { FakeOAuthProvider } from "../../e2e/fake-oauth/server";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { ApiClient } from "../support/client";

// The linking rules of docs/api.md through the API in-process: linking by a verified address,
// the pre-registration takeover, refusals, and linking/unlinking from the profile.

let app: InProcessApp;
let fake: FakeOAuthProvider;
const PASSWORD = "a long and unusual passphrase";
let nextId = 3000;

beforeAll(async () => {
  ({ app, fake } = await startAppWithFakeProvider({ start: startInProcessApp }));
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

/** A person at the fake provider. */
function providerUser(email: string | null, emailVerified: boolean, login = `user${nextId}`) {
  nextId += 1;
  return fake.addUser({ id: String(nextId), login, name: login, email, emailVerified });
}

async function register(email: string, username: string, options: { verified: boolean }): Promise<number> {
  const response = await new ApiClient(app.url).post("/api/auth/register/", { username, email, password: PASSWORD });
  expect(response.status).toBe(201);
  const row = (await app.db().get("select id from users where lower(email) = lower(?)", email)) as { id: number };
  // Arranged straight in the database: the verification journey has its own tests.
  if (options.verified) await app.db().run("update users set email_verified = true where id = ?", row.id);
  return row.id;
}

async function login(email: string, password = PASSWORD): Promise<{ client: ApiClient; access: string; status: number }> {
  const client = new ApiClient(app.url);
  const response = await client.post("/api/auth/login/", { email, password });
  return { client, access: response.body?.access, status: response.status };
}

async function me(access: string) {
  return new ApiClient(app.url).get("/api/auth/me/", { authorization: `Bearer ${access}` });
}

async function accessOf(client: ApiClient): Promise<string> {
  const refreshed = await client.post("/api/auth/token/refresh/");
  expect(refreshed.status).toBe(200);
  return refreshed.body.access;
}

const providersOf = async (userId: number) =>
  ((await app.db().all("select provider from social_accounts where user_id = ? order by provider", userId)) as Array<{ provider: string }>).map(
    (r) => r.provider,
  );

describe("rule 2, first case: a verified account with the provider's verified address", () => {
  it("links the provider to that account and signs in as it; the password keeps working", async () => {
    const userId = await register("alice@example.test", "alice", { verified: true });
    const person = providerUser("Alice@EXAMPLE.test", true);

    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "github", person.id);
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/`);
    const profile = await me(await accessOf(client));
    expect(profile.body).toMatchObject({ id: userId, username: "alice", email_verified: true, providers: ["github"] });

    expect((await login("alice@example.test")).status).toBe(200);
    expect(await app.db().get("select count(*) as n from users where lower(email) = 'alice@example.test'")).toEqual({ n: 1 });
  });
});

describe("rule 2, second case: the pre-registration takeover", () => {
  it("gives the account to the verified owner: the squatter's password, sessions and linked providers are gone", async () => {
    // The attacker registers the victim's address first and never verifies it.
    const userId = await register("victim@example.test", "squatter", { verified: false });
    const attacker = await login("victim@example.test");
    expect(attacker.status).toBe(200);
    // ...and tries to link their own GitHub account from the profile, to keep a way back
    // in: refused before any trip to GitHub, nothing stored.
    const attackersGithub = providerUser("attacker@example.test", true);
    const refused = await attacker.client.get("/api/auth/social/github/?intent=link");
    expect(refused.status).toBe(302);
    expect(refused.headers.get("location")).toBe(`${app.url}/profile/?error=email_not_verified`);
    expect(await providersOf(userId)).toEqual([]);
    // A link stored before this rule existed (a database carried over from then).
    await app.db().run("insert into social_accounts (user_id, provider, provider_user_id, email) values (?, 'github', ?, ?)", userId, attackersGithub.id, "attacker@example.test");
    // And a passkey (it signs in alone) and a TOTP secret made before second factors
    // needed a verified address.
    await app.db().run("insert into passkeys (id, user_id, credential_id, public_key, device_type, user_handle, name) values ('pk-squatter', ?, 'cred-squatter', 'key', 'singleDevice', 'handle', 'squatter key')", userId);
    await app.db().run("insert into totp_credentials (user_id, encrypted_secret) values (?, 'v1.x.y.z.w')", userId);
    const attackerSecondSession = await login("victim@example.test");

    // The victim signs in with Google, which vouches for the address.
    const victimsGoogle = providerUser("victim@example.test", true);
    const victim = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(victim, "google", victimsGoogle.id);
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/`);

    const victimProfile = await me(await accessOf(victim));
    expect(victimProfile.body).toEqual({ id: userId, username: "squatter", email: "victim@example.test", email_verified: true, providers: ["google"] });

    // The attacker's password no longer works...
    const again = await login("victim@example.test");
    expect(again.status).toBe(400);
    expect(await app.db().get("select password_hash from users where id = ?", userId)).toEqual({ password_hash: null });
    // ...their passkey and TOTP secret are gone (the victim was not asked for a code)...
    expect(await app.db().get("select count(*) as n from passkeys where user_id = ?", userId)).toEqual({ n: 0 });
    expect(await app.db().get("select count(*) as n from totp_credentials where user_id = ?", userId)).toEqual({ n: 0 });
    // ...their sessions are dead, access and refresh alike...
    for (const session of [attacker, attackerSecondSession]) {
      expect((await me(session.access)).status).toBe(401);
      expect((await session.client.post("/api/auth/token/refresh/")).status).toBe(401);
    }
    // ...and their GitHub account no longer signs in to the victim's account.
    const attackerAgain = new ApiClient(app.url);
    await signInThroughProvider(attackerAgain, "github", attackersGithub.id);
    const whoAttackerIs = await me(await accessOf(attackerAgain));
    expect(whoAttackerIs.body.id).not.toBe(userId);
    expect(whoAttackerIs.body.email).toBe("attacker@example.test");

    // The victim's own session is the one live session of the account.
    const live = await app.db().get("select count(*) as n from sessions where user_id = ? and revoked_at is null", userId);
    expect(live).toEqual({ n: 1 });
    expect((await me(await accessOf(victim))).status).toBe(200);
  });
});

describe("a disabled account (docs/decisions/047)", () => {
  /** Everything a social sign-in could change about the account, and the mail it could send. */
  const footprint = async (userId: number, email: string) => ({
    user: await app.db().get("select password_hash, email_verified, credentials_version from users where id = ?", userId),
    providers: await app.db().all("select provider, email, profile from social_accounts where user_id = ? order by provider", userId),
    passkeys: await app.db().get("select count(*) as n from passkeys where user_id = ?", userId),
    totp: await app.db().get("select count(*) as n from totp_credentials where user_id = ?", userId),
    events: await app.db().all("select type from security_events where user_id = ? order by id", userId),
    mail: await app.db().all("select subject from emails where recipient_key = ? order by id", email),
  });
  const disable = (userId: number) => app.db().run("update users set disabled_at = ? where id = ?", Date.now(), userId);

  it("refuses an unverified owner before any write: its password, passkey and TOTP stay, nothing is linked or mailed", async () => {
    const userId = await register("disabled.unverified@example.test", "disabled_unverified", { verified: false });
    await app.db().run("insert into passkeys (id, user_id, credential_id, public_key, device_type, user_handle, name) values ('pk-disabled', ?, 'cred-disabled', 'key', 'singleDevice', 'handle-disabled', 'a key')", userId);
    await app.db().run("insert into totp_credentials (user_id, encrypted_secret) values (?, 'v1.x.y.z.w')", userId);
    await disable(userId);
    const before = await footprint(userId, "disabled.unverified@example.test");
    const person = providerUser("disabled.unverified@example.test", true);
    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "google", person.id);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=account_disabled`);
    expect(client.cookies.has("refresh_token")).toBe(false);
    expect(await footprint(userId, "disabled.unverified@example.test")).toEqual(before);
    expect((before.user as { password_hash: string | null }).password_hash).not.toBeNull();
  });

  it("refuses a verified owner without linking the provider or sending the notice", async () => {
    const userId = await register("disabled.verified@example.test", "disabled_verified", { verified: true });
    await disable(userId);
    const before = await footprint(userId, "disabled.verified@example.test");
    const person = providerUser("disabled.verified@example.test", true);
    const { callback } = await signInThroughProvider(new ApiClient(app.url), "github", person.id);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=account_disabled`);
    expect(await footprint(userId, "disabled.verified@example.test")).toEqual(before);
    expect(before.providers).toEqual([]);
  });

  it("refuses a returning provider account without touching its stored profile", async () => {
    const userId = await register("disabled.returning@example.test", "disabled_returning", { verified: true });
    const person = providerUser("disabled.returning@example.test", true);
    expect((await signInThroughProvider(new ApiClient(app.url), "github", person.id)).callback.headers.get("location")).toBe(`${app.url}/profile/`);
    await disable(userId);
    // The provider now reports another address: a sign-in that got as far as rule 1's update would store it.
    person.email = "moved.elsewhere@example.test";
    const before = await footprint(userId, "disabled.returning@example.test");
    const { callback } = await signInThroughProvider(new ApiClient(app.url), "github", person.id);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=account_disabled`);
    expect(await footprint(userId, "disabled.returning@example.test")).toEqual(before);
  });
});

describe("rule 3: an address the provider does not vouch for", () => {
  it("refuses to link by an unverified provider email, and leaves the account alone", async () => {
    const userId = await register("carol@example.test", "carol", { verified: false });
    const person = providerUser("carol@example.test", false);
    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "google", person.id);
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=account_exists`);
    expect(client.cookies.has("refresh_token")).toBe(false);
    expect(await providersOf(userId)).toEqual([]);
    expect((await login("carol@example.test")).status).toBe(200);
    expect(await app.db().get("select email_verified from users where id = ?", userId)).toEqual({ email_verified: 0 });
  });

  it("refuses the same against a verified account", async () => {
    const userId = await register("dave@example.test", "dave", { verified: true });
    const person = providerUser("dave@example.test", false);
    const { callback } = await signInThroughProvider(new ApiClient(app.url), "github", person.id);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=account_exists`);
    expect(await providersOf(userId)).toEqual([]);
  });
});

describe("no usable email (rule 4)", () => {
  it("refuses a provider account with no email, creating nothing", async () => {
    const before = await app.db().get("select count(*) as n from users");
    const person = providerUser(null, false);
    for (const provider of ["github", "google"] as const) {
      const { callback } = await signInThroughProvider(new ApiClient(app.url), provider, person.id);
      expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=email_required`);
    }
    expect(await app.db().get("select count(*) as n from users")).toEqual(before);
  });

  it("refuses an unverified email that matches nobody", async () => {
    const person = providerUser("nobody-yet@example.test", false);
    const { callback } = await signInThroughProvider(new ApiClient(app.url), "github", person.id);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=email_required`);
    expect(await app.db().get("select count(*) as n from users where email = 'nobody-yet@example.test'")).toEqual({ n: 0 });
  });
});

describe("linking from the profile (?intent=link)", () => {
  it("links a provider account with another address to the signed-in user, without a new session", async () => {
    const userId = await register("erin@example.test", "erin", { verified: true });
    const erin = await login("erin@example.test");
    const person = providerUser("erin.work@example.test", true);
    const { callback } = await signInThroughProvider(erin.client, "github", person.id, { intent: "link" });
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/`);
    expect(callback.setCookies.some((c) => c.startsWith("refresh_token="))).toBe(false);
    expect((await me(erin.access)).body.providers).toEqual(["github"]);
    expect(await app.db().get("select count(*) as n from sessions where user_id = ?", userId)).toEqual({ n: 1 });

    // Now the provider signs in to erin's account (rule 1).
    const viaGithub = new ApiClient(app.url);
    await signInThroughProvider(viaGithub, "github", person.id);
    expect((await me(await accessOf(viaGithub))).body.id).toBe(userId);
  });

  it("refuses to move a provider account that belongs to another user", async () => {
    const person = providerUser("frank@example.test", true);
    const frank = new ApiClient(app.url);
    await signInThroughProvider(frank, "github", person.id);
    const frankId = (await me(await accessOf(frank))).body.id;

    const graceId = await register("grace@example.test", "grace", { verified: true });
    const grace = await login("grace@example.test");
    const { callback } = await signInThroughProvider(grace.client, "github", person.id, { intent: "link" });
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/?error=already_linked`);
    expect(await providersOf(frankId)).toEqual(["github"]);
    expect(await providersOf(graceId)).toEqual([]);
  });

  it("refuses a second account at the same provider", async () => {
    await register("heidi@example.test", "heidi", { verified: true });
    const heidi = await login("heidi@example.test");
    await signInThroughProvider(heidi.client, "github", providerUser("heidi1@example.test", true).id, { intent: "link" });
    const { callback } = await signInThroughProvider(heidi.client, "github", providerUser("heidi2@example.test", true).id, { intent: "link" });
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/?error=provider_account_mismatch`);
  });

  it("refuses an unverified account, even when the provider vouches for its address: nothing is stored", async () => {
    const userId = await register("ivan@example.test", "ivan", { verified: false });
    const ivan = await login("ivan@example.test");
    const start = await ivan.client.get("/api/auth/social/google/?intent=link");
    expect(start.status).toBe(302);
    expect(start.headers.get("location")).toBe(`${app.url}/profile/?error=email_not_verified`);
    expect(start.setCookies.filter((c) => c.startsWith("oauth_state=") && !/max-age=0/i.test(c))).toEqual([]);

    // A flow started while verified, finished after the account became unverified again
    // in the database, is refused at the callback too (the second check).
    await app.db().run("update users set email_verified = true where id = ?", userId);
    const { authorizeUrl } = await startSocialFlow(ivan.client, "google", { intent: "link" });
    const callbackUrl = await chooseAtProvider(authorizeUrl, { user: providerUser("ivan@example.test", true).id });
    await app.db().run("update users set email_verified = false where id = ?", userId);
    const callback = await returnToApp(ivan.client, callbackUrl);
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/?error=email_not_verified`);
    expect(await providersOf(userId)).toEqual([]);
    expect((await me(ivan.access)).body).toMatchObject({ id: userId, email_verified: false, providers: [] });
  });

  it("sends a visitor who is not signed in to the login page", async () => {
    const response = await new ApiClient(app.url).get("/api/auth/social/github/?intent=link");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${app.url}/login/?error=not_signed_in`);
    // No flow was started: no state cookie with a value.
    expect(response.setCookies.filter((c) => c.startsWith("oauth_state=") && !/max-age=0/i.test(c))).toEqual([]);
  });

  it("refuses when the session was logged out between start and callback", async () => {
    const userId = await register("judy@example.test", "judy", { verified: true });
    const judy = await login("judy@example.test");
    const { authorizeUrl } = await startSocialFlow(judy.client, "github", { intent: "link" });
    const callbackUrl = await chooseAtProvider(authorizeUrl, { user: providerUser("judy.gh@example.test", true).id });
    const refresh = judy.client.cookies.get("refresh_token")!;
    await judy.client.post("/api/auth/logout/");
    judy.client.cookies.set("refresh_token", refresh); // the browser kept a copy
    const callback = await returnToApp(judy.client, callbackUrl);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=not_signed_in`);
    expect(await providersOf(userId)).toEqual([]);
  });

  it("does not link through a state cookie planted from someone else's flow", async () => {
    // The attacker starts a link flow in their own browser and stops at the callback...
    await register("mallory@example.test", "mallory", { verified: true });
    const mallory = await login("mallory@example.test");
    const { authorizeUrl } = await startSocialFlow(mallory.client, "github", { intent: "link" });
    const callbackUrl = await chooseAtProvider(authorizeUrl, { user: providerUser("mallory.gh@example.test", true).id });

    // ...then gets the victim's browser to present that state cookie and callback.
    const victimId = await register("kate@example.test", "kate", { verified: true });
    const kate = await login("kate@example.test");
    kate.client.cookies.set("oauth_state", mallory.client.cookies.get("oauth_state")!);
    const callback = await returnToApp(kate.client, callbackUrl);
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/?error=state_mismatch`);
    expect(await providersOf(victimId)).toEqual([]);
  });
});

describe("unlinking (DELETE /api/auth/social/<provider>/)", () => {
  it("refuses to remove the only sign-in method, and removes one that is not", async () => {
    const person = providerUser("leo@example.test", true);
    const leo = new ApiClient(app.url);
    await signInThroughProvider(leo, "github", person.id);
    const access = await accessOf(leo);
    const auth = { authorization: `Bearer ${access}` };

    const refused = await leo.request("DELETE", "/api/auth/social/github/", { headers: auth });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ detail: "Cannot remove the last sign-in method", code: "last_sign_in_method" });

    // With a second provider linked, either one may go.
    await signInThroughProvider(leo, "google", person.id, { intent: "link" });
    const removed = await leo.request("DELETE", "/api/auth/social/github/", { headers: auth });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ email: "leo@example.test", providers: ["google"] });
    const last = await leo.request("DELETE", "/api/auth/social/google/", { headers: auth });
    expect(last.status).toBe(400);

    const notLinked = await leo.request("DELETE", "/api/auth/social/github/", { headers: auth });
    expect(notLinked.status).toBe(404);
  });

  it("lets a user with a password remove their only provider", async () => {
    await register("mia@example.test", "mia", { verified: true });
    const mia = await login("mia@example.test");
    await signInThroughProvider(mia.client, "google", providerUser("mia@example.test", true).id, { intent: "link" });
    const removed = await mia.client.request("DELETE", "/api/auth/social/google/", { headers: { authorization: `Bearer ${mia.access}` } });
    expect(removed.status).toBe(200);
    expect(removed.body.providers).toEqual([]);
  });

  it("needs a valid Bearer token, and a known provider", async () => {
    const client = new ApiClient(app.url);
    expect((await client.request("DELETE", "/api/auth/social/github/")).status).toBe(401);
    const bad = await client.request("DELETE", "/api/auth/social/github/", { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);
    // The token is checked first, as on every Bearer route (apiRoute's auth option).
    const unknown = await client.request("DELETE", "/api/auth/social/myspace/", { headers: { authorization: "Bearer nope" } });
    expect(unknown.status).toBe(401);
    expect((await client.post("/api/auth/register/", { username: "unlinker", email: "unlinker@example.com", password: "unlink nothing at all" })).status).toBe(201);
    const login = await client.post("/api/auth/login/", { email: "unlinker@example.com", password: "unlink nothing at all" });
    const known = await client.request("DELETE", "/api/auth/social/myspace/", { headers: { authorization: `Bearer ${login.body.access}` } });
    expect(known.status).toBe(404);
  });
});
