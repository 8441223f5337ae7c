import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseAtProvider, startAppWithFakeProvider } from "../../e2e/fake-oauth/drive";
import type { FakeOAuthProvider } from "../../e2e/fake-oauth/server";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { ApiClient, parseSetCookie } from "../support/client";

// The external client flow (docs/api.md): a client that ran PKCE itself posts its code,
// verifier and redirect URI. Only GitHub is configured in this app, so Google is 404.

const NATIVE_REDIRECT = "http://127.0.0.1:8765/oauth/native-callback";
let app: InProcessApp;
let fake: FakeOAuthProvider;

beforeAll(async () => {
  ({ app, fake } = await startAppWithFakeProvider({ start: startInProcessApp, providers: ["github"], env: { OAUTH_REDIRECT_URIS: `https://spa.example.test/cb, ${NATIVE_REDIRECT}` } }));
  fake.registerRedirectUri("github", NATIVE_REDIRECT);
  fake.addUser({ id: "4001", login: "native", name: "Native Client", email: "native@example.test", emailVerified: true });
  fake.addUser({ id: "4002", login: "shy", name: null, email: null, emailVerified: false });
  fake.addUser({ id: "4003", login: "claims-owner", name: null, email: "owner@example.test", emailVerified: false });
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

/** What an external client does before calling us: PKCE, the provider's consent page, the code. */
async function codeFromProvider(user: string, redirectUri = NATIVE_REDIRECT): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const authorizeUrl = new URL(fake.env().GITHUB_AUTH_URL!);
  authorizeUrl.search = new URLSearchParams({
    response_type: "code",
    client_id: fake.clients.github.clientId,
    redirect_uri: redirectUri,
    state: randomBytes(16).toString("base64url"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    scope: "read:user user:email",
  }).toString();
  const back = await chooseAtProvider(authorizeUrl, { user });
  return { code: back.searchParams.get("code")!, verifier };
}

const exchange = (client: ApiClient, body: unknown, provider = "github") => client.post(`/api/auth/social/${provider}/`, body);

describe("POST /api/auth/social/<provider>/", () => {
  it("signs in with a code from a listed redirect URI: the login body and the refresh cookie", async () => {
    const { code, verifier } = await codeFromProvider("4001");
    const client = new ApiClient(app.url);
    const response = await exchange(client, { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access: expect.any(String),
      user: { id: expect.any(Number), username: "native", email: "native@example.test", email_verified: true },
    });
    const cookie = parseSetCookie(response.setCookies.find((c) => c.startsWith("refresh_token="))!);
    expect(cookie.attributes).toMatchObject({ httponly: true, samesite: "lax", path: "/api/auth/" });
    // The token request carried the client's redirect URI, as the provider requires.
    expect(fake.tokenRequests.at(-1)).toMatchObject({ outcome: "issued", redirectUri: NATIVE_REDIRECT });

    const me = await client.get("/api/auth/me/", { authorization: `Bearer ${response.body.access}` });
    expect(me.body.providers).toEqual(["github"]);
  });

  it("refuses a redirect URI that is not the app's callback nor listed, without calling the provider", async () => {
    const { code, verifier } = await codeFromProvider("4001");
    const before = fake.tokenRequests.length;
    for (const redirect_uri of ["https://evil.example/cb", `${NATIVE_REDIRECT}/`, "https://spa.example.test/cb?x=1", `${app.url}/api/auth/social/github/callback`]) {
      const response = await exchange(new ApiClient(app.url), { code, code_verifier: verifier, redirect_uri });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ redirect_uri: ["This redirect URI is not allowed."] });
    }
    expect(fake.tokenRequests.length).toBe(before);
  });

  it("answers 400 Code exchange failed for a wrong verifier, a reused code, or a redirect URI the code was not issued for", async () => {
    const wrong = await codeFromProvider("4001");
    const response = await exchange(new ApiClient(app.url), { code: wrong.code, code_verifier: "w".repeat(43), redirect_uri: NATIVE_REDIRECT });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ detail: "Code exchange failed" });

    const good = await codeFromProvider("4001");
    const body = { code: good.code, code_verifier: good.verifier, redirect_uri: NATIVE_REDIRECT };
    expect((await exchange(new ApiClient(app.url), body)).status).toBe(200);
    expect((await exchange(new ApiClient(app.url), body)).body).toEqual({ detail: "Code exchange failed" });

    // Issued for the native redirect, presented with the app's own callback (allowed, but not this code's).
    const other = await codeFromProvider("4001");
    const mismatched = await exchange(new ApiClient(app.url), {
      code: other.code,
      code_verifier: other.verifier,
      redirect_uri: `${app.url}/api/auth/social/github/callback/`,
    });
    expect(mismatched.body).toEqual({ detail: "Code exchange failed" });
    expect(fake.tokenRequests.at(-1)).toMatchObject({ outcome: "redirect_uri_mismatch" });
  });

  it("answers 400 Failed to fetch user from provider, never with the provider's words", async () => {
    const { code, verifier } = await codeFromProvider("4001");
    fake.setFault("github", "profile", "leaky_error");
    try {
      const response = await exchange(new ApiClient(app.url), { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ detail: "Failed to fetch user from provider" });
    } finally {
      fake.setFault("github", "profile", null);
    }
    const leaky = await codeFromProvider("4001");
    fake.setFault("github", "token", "leaky_error");
    try {
      const response = await exchange(new ApiClient(app.url), { code: leaky.code, code_verifier: leaky.verifier, redirect_uri: NATIVE_REDIRECT });
      expect(response.body).toEqual({ detail: "Code exchange failed" });
    } finally {
      fake.setFault("github", "token", null);
    }
    expect(app.logs()).not.toContain(fake.leakMarker);
  });

  it("refuses by the linking rules with a detail and a code", async () => {
    const shy = await codeFromProvider("4002");
    const noEmail = await exchange(new ApiClient(app.url), { code: shy.code, code_verifier: shy.verifier, redirect_uri: NATIVE_REDIRECT });
    expect(noEmail.status).toBe(400);
    expect(noEmail.body).toEqual({ detail: expect.any(String), code: "email_required" });

    const registered = await new ApiClient(app.url).post("/api/auth/register/", {
      username: "owner",
      email: "owner@example.test",
      password: "a long and unusual passphrase",
    });
    expect(registered.status).toBe(201);
    const claim = await codeFromProvider("4003");
    const exists = await exchange(new ApiClient(app.url), { code: claim.code, code_verifier: claim.verifier, redirect_uri: NATIVE_REDIRECT });
    expect(exists.status).toBe(400);
    expect(exists.body).toEqual({ detail: expect.stringContaining("already exists"), code: "account_exists" });
    expect(exists.setCookies).toEqual([]);
  });

  it("answers 403 account_disabled for a disabled owner the provider vouches for, having written nothing and mailed nothing", async () => {
    fake.addUser({ id: "4004", login: "disabled-native", name: null, email: "disabled.native@example.test", emailVerified: true });
    const registered = await new ApiClient(app.url).post("/api/auth/register/", { username: "disabled_native", email: "disabled.native@example.test", password: "a long and unusual passphrase" });
    expect(registered.status).toBe(201);
    const { id } = (await app.db().get<{ id: number }>("select id from users where email = ?", "disabled.native@example.test"))!;
    await app.db().run("update users set disabled_at = ? where id = ?", Date.now(), id);
    const state = async () => ({
      user: await app.db().get("select password_hash, email_verified, credentials_version from users where id = ?", id),
      providers: await app.db().all("select provider from social_accounts where user_id = ?", id),
      events: await app.db().all("select type from security_events where user_id = ? order by id", id),
      mail: await app.db().all("select subject from emails where recipient_key = ? order by id", "disabled.native@example.test"),
    });
    const before = await state();
    const { code, verifier } = await codeFromProvider("4004");
    const response = await exchange(new ApiClient(app.url), { code, code_verifier: verifier, redirect_uri: NATIVE_REDIRECT });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ detail: "This account is disabled.", code: "account_disabled" });
    expect(response.setCookies).toEqual([]);
    expect(await state()).toEqual(before);
  });

  it("validates the body: field errors, malformed JSON, wrong types", async () => {
    const client = new ApiClient(app.url);
    const empty = await exchange(client, {});
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({
      code: ["This field is required."],
      code_verifier: ["This field is required."],
    });
    const wrongTypes = await exchange(client, { code: 1, code_verifier: ["x"], redirect_uri: null });
    expect(wrongTypes.status).toBe(400);
    expect(Object.keys(wrongTypes.body).sort()).toEqual(["code", "code_verifier", "redirect_uri"]);
    const shortVerifier = await exchange(client, { code: "c", code_verifier: "short", redirect_uri: NATIVE_REDIRECT });
    expect(shortVerifier.body).toEqual({ code_verifier: ["Enter a valid PKCE code verifier."] });
    const malformed = await client.request("POST", "/api/auth/social/github/", { body: "{", headers: { "content-type": "application/json" } });
    expect(malformed).toMatchObject({ status: 400, body: { detail: "Malformed JSON" } });
    const list = await exchange(client, []);
    expect(list.status).toBe(400);
  });

  it("answers 404 for a provider that is not configured, on every method", async () => {
    const client = new ApiClient(app.url);
    const post = await exchange(client, { code: "c", code_verifier: "v".repeat(43), redirect_uri: NATIVE_REDIRECT }, "google");
    expect(post).toMatchObject({ status: 404, body: { detail: "Unsupported provider" } });
    expect((await client.get("/api/auth/social/google/")).status).toBe(404);
    expect((await client.get("/api/auth/social/google/callback/?code=c&state=s")).status).toBe(404);
  });
});
