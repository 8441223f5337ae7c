import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseAtProvider, returnToApp, signInThroughProvider, startAppWithFakeProvider, startSocialFlow } from "../../e2e/fake-oauth/drive";
import type { FakeOAuthProvider, Fault } from "../../e2e/fake-oauth/server";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { ApiClient } from "../support/client";

// The callback's defences (docs/security.md, OAuth): state bound to the browser, single use,
// expiring; the fake provider's PKCE and code checks; upstream failures that end in a
// clean redirect, with nothing the provider said echoed or logged.

let app: InProcessApp;
let fake: FakeOAuthProvider;
/** Every code verifier the app generated in this file, for the log check. */
const verifiers: string[] = [];

beforeAll(async () => {
  ({ app, fake } = await startAppWithFakeProvider({ start: startInProcessApp }));
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

type StoredState = { provider: string; state: string; codeVerifier: string; next: string; intent: string; sessionId: string | null; expiresAt: number };

const decodeState = (cookie: string): StoredState => JSON.parse(Buffer.from(cookie, "base64url").toString());
const encodeState = (value: StoredState): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Start a flow and consent at the provider; stop before coming back to the app. */
async function upToCallback(provider: "google" | "github" = "github", user = "1001") {
  const client = new ApiClient(app.url);
  const { authorizeUrl } = await startSocialFlow(client, provider);
  verifiers.push(decodeState(client.cookies.get("oauth_state")!).codeVerifier);
  const callbackUrl = await chooseAtProvider(authorizeUrl, { user });
  return { client, callbackUrl };
}

function expectLoginError(response: { status: number; headers: Headers; setCookies: string[] }, code: string): void {
  expect(response.status).toBe(302);
  expect(response.headers.get("location")).toBe(`${app.url}/login/?error=${code}`);
  expect(response.setCookies.some((c) => c.startsWith("refresh_token="))).toBe(false);
  // The state cookie is deleted whatever happened.
  const state = response.setCookies.find((c) => c.startsWith("oauth_state="));
  expect(state).toMatch(/Max-Age=0/i);
  expect(state).toMatch(/Path=\/api\/auth\/social\//);
}

describe("state", () => {
  it("refuses a callback whose state does not match the cookie", async () => {
    const { client, callbackUrl } = await upToCallback();
    const exchanges = fake.tokenRequests.length;
    callbackUrl.searchParams.set("state", callbackUrl.searchParams.get("state")!.replace(/^./, (c) => (c === "A" ? "B" : "A")));
    expectLoginError(await returnToApp(client, callbackUrl), "state_mismatch");
    expect(fake.tokenRequests.length).toBe(exchanges); // refused before any exchange
  });

  it("refuses a callback without state", async () => {
    const { client, callbackUrl } = await upToCallback();
    callbackUrl.searchParams.delete("state");
    expectLoginError(await returnToApp(client, callbackUrl), "state_mismatch");
  });

  it("refuses a callback when the browser has no state cookie (another browser, or a forged link)", async () => {
    const { client, callbackUrl } = await upToCallback();
    client.cookies.delete("oauth_state");
    expectLoginError(await returnToApp(client, callbackUrl), "state_mismatch");
  });

  it("refuses a state cookie whose own expiry has passed, even if the browser still sends it", async () => {
    const { client, callbackUrl } = await upToCallback();
    const stored = decodeState(client.cookies.get("oauth_state")!);
    client.cookies.set("oauth_state", encodeState({ ...stored, expiresAt: Date.now() - 1000 }));
    expectLoginError(await returnToApp(client, callbackUrl), "expired");
  });

  it("refuses a state cookie made for the other provider", async () => {
    const { client, callbackUrl } = await upToCallback("github");
    const wrongProvider = new URL(callbackUrl.toString().replace("/social/github/", "/social/google/"));
    expectLoginError(await returnToApp(client, wrongProvider), "state_mismatch");
  });

  it("refuses a garbled state cookie", async () => {
    const { client, callbackUrl } = await upToCallback();
    client.cookies.set("oauth_state", "not-base64-json");
    expectLoginError(await returnToApp(client, callbackUrl), "state_mismatch");
  });

  it("does not accept a replayed callback", async () => {
    const { client, callbackUrl } = await upToCallback();
    const cookie = client.cookies.get("oauth_state")!;
    const first = await returnToApp(client, callbackUrl);
    expect(first.headers.get("location")).toBe(`${app.url}/profile/`);

    // The browser deleted the state cookie: a replay has nothing to match.
    expectLoginError(await returnToApp(client, callbackUrl), "state_mismatch");

    // Even with a copy of the cookie, the code is spent at the provider.
    const replayer = new ApiClient(app.url);
    replayer.cookies.set("oauth_state", cookie);
    expectLoginError(await returnToApp(replayer, callbackUrl), "exchange_failed");
    expect(fake.tokenRequests.at(-1)).toMatchObject({ provider: "github", outcome: "bad_verification_code" });
  });
});

describe("PKCE", () => {
  it("fails the exchange when the verifier is not the one the challenge was made from", async () => {
    const { client, callbackUrl } = await upToCallback("google");
    const stored = decodeState(client.cookies.get("oauth_state")!);
    client.cookies.set("oauth_state", encodeState({ ...stored, codeVerifier: "x".repeat(43) }));
    expectLoginError(await returnToApp(client, callbackUrl), "exchange_failed");
    expect(fake.tokenRequests.at(-1)).toMatchObject({ provider: "google", outcome: "invalid_grant", clientAuth: "basic" });
  });

  it("sends the verifier, the exact redirect URI and HTTP Basic client credentials to the token endpoint", async () => {
    const { client, callbackUrl } = await upToCallback("github");
    await returnToApp(client, callbackUrl);
    expect(fake.tokenRequests.at(-1)).toEqual({
      provider: "github",
      outcome: "issued",
      clientAuth: "basic",
      redirectUri: `${app.url}/api/auth/social/github/callback/`,
    });
  });
});

describe("the fake provider is honest", () => {
  async function codeFor(provider: "google" | "github", redirectUri: string, verifier: string): Promise<string> {
    const challenge = (await import("node:crypto")).createHash("sha256").update(verifier).digest("base64url");
    const env = fake.env();
    const authorizeUrl = new URL(provider === "google" ? env.GOOGLE_AUTH_URL! : env.GITHUB_AUTH_URL!);
    authorizeUrl.search = new URLSearchParams({
      response_type: "code",
      client_id: fake.clients[provider].clientId,
      redirect_uri: redirectUri,
      state: "s",
      code_challenge: challenge,
      code_challenge_method: "S256",
      scope: provider === "google" ? "openid email" : "user:email",
    }).toString();
    return (await chooseAtProvider(authorizeUrl, { user: "1001" })).searchParams.get("code")!;
  }

  async function token(provider: "google" | "github", fields: Record<string, string>, secret = fake.clients[provider].clientSecret) {
    const url = provider === "google" ? fake.env().GOOGLE_TOKEN_URL! : fake.env().GITHUB_TOKEN_URL!;
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${fake.clients[provider].clientId}:${secret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "authorization_code", ...fields }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const verifier = "v".repeat(43);
  const redirectUri = () => `${app.url}/api/auth/social/google/callback/`;

  it("refuses a missing or wrong verifier, a reused code, a wrong redirect_uri, wrong credentials", async () => {
    const missing = await token("google", { code: await codeFor("google", redirectUri(), verifier), redirect_uri: redirectUri() });
    expect(missing).toMatchObject({ status: 400, body: { error: "invalid_grant" } });

    const wrongUri = await token("google", {
      code: await codeFor("google", redirectUri(), verifier),
      redirect_uri: `${app.url}/elsewhere/`,
      code_verifier: verifier,
    });
    expect(wrongUri).toMatchObject({ status: 400, body: { error: "redirect_uri_mismatch" } });

    const code = await codeFor("google", redirectUri(), verifier);
    const wrongSecret = await token("google", { code, redirect_uri: redirectUri(), code_verifier: verifier }, "not-the-secret");
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: "invalid_client" } });

    const good = await token("google", { code, redirect_uri: redirectUri(), code_verifier: verifier });
    expect(good).toMatchObject({ status: 200, body: { access_token: expect.any(String), token_type: "Bearer" } });
    const reused = await token("google", { code, redirect_uri: redirectUri(), code_verifier: verifier });
    expect(reused).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // The reuse revoked the token the code had bought.
    const userinfo = await fetch(fake.env().GOOGLE_USERINFO_URL!, { headers: { authorization: `Bearer ${good.body.access_token}` } });
    expect(userinfo.status).toBe(401);
  });

  it("refuses an authorization request with an unregistered redirect_uri or without S256", async () => {
    const base = new URL(fake.env().GITHUB_AUTH_URL!);
    const params = {
      response_type: "code",
      client_id: fake.clients.github.clientId,
      redirect_uri: `${app.url}/api/auth/social/github/callback/`,
      state: "s",
      code_challenge: "c".repeat(43),
      code_challenge_method: "S256",
    };
    const ok = await fetch(`${base}?${new URLSearchParams(params)}`);
    expect(ok.status).toBe(200);
    for (const change of [{ redirect_uri: "https://evil.example/cb" }, { code_challenge_method: "plain" }, { state: "" }, { client_id: "other" }]) {
      const response = await fetch(`${base}?${new URLSearchParams({ ...params, ...change })}`, { redirect: "manual" });
      expect(response.status).toBe(400);
    }
  });
});

describe("upstream failures", () => {
  const cases: Array<[endpoint: "token" | "profile", fault: Fault, expected: string]> = [
    ["token", "status_500", "exchange_failed"],
    ["token", "malformed_json", "exchange_failed"],
    ["token", "wrong_shape", "exchange_failed"],
    ["token", "leaky_error", "exchange_failed"],
    ["profile", "status_500", "profile_failed"],
    ["profile", "malformed_json", "profile_failed"],
    ["profile", "wrong_shape", "profile_failed"],
    ["profile", "leaky_error", "profile_failed"],
  ];

  for (const provider of ["google", "github"] as const) {
    it.each(cases)(`${provider}: a %s that answers %s ends in ?error=%s, echoing nothing`, async (endpoint, fault, expected) => {
      const { client, callbackUrl } = await upToCallback(provider);
      fake.setFault(provider, endpoint, fault);
      try {
        const response = await returnToApp(client, callbackUrl);
        expectLoginError(response, expected);
        expect(JSON.stringify([...response.headers]) + JSON.stringify(response.body)).not.toContain(fake.leakMarker);
      } finally {
        fake.setFault(provider, endpoint, null);
      }
    });
  }

  it("reports a provider's error redirect other than access_denied as provider_error", async () => {
    const client = new ApiClient(app.url);
    await startSocialFlow(client, "github");
    const state = decodeState(client.cookies.get("oauth_state")!).state;
    const response = await client.get(`/api/auth/social/github/callback/?error=temporarily_unavailable&error_description=${fake.leakMarker}&state=${state}`);
    expectLoginError(response, "provider_error");
  });
});

describe("the log", () => {
  it("never holds a client secret, a code, a verifier, an access token or an upstream body", async () => {
    // One more full sign-in per provider, so the log has successes as well as failures.
    await signInThroughProvider(new ApiClient(app.url), "google", "1001");
    await signInThroughProvider(new ApiClient(app.url), "github", "1001");
    // Info lines are written once per turn of the event loop (lib/log.ts): until the last
    // request's own line is there, the log is not whole.
    await expect.poll(() => app.logs(), { message: "the log line of the last callback" }).toMatch(/"path":"\/api\/auth\/social\/github\/callback\/","status":302/);
    const logs = app.logs();
    expect(logs).toContain("oauth token request failed"); // the failures above were logged...
    const secrets = [
      fake.clients.google.clientSecret,
      fake.clients.github.clientSecret,
      fake.leakMarker,
      ...fake.issued.codes,
      ...fake.issued.accessTokens,
      ...verifiers,
    ];
    expect(secrets.length).toBeGreaterThan(20);
    for (const secret of secrets) expect(logs).not.toContain(secret); // ...and none of these
  });
});
