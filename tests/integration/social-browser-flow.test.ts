import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseAtProvider, returnToApp, signInThroughProvider, startAppWithFakeProvider, startSocialFlow } from "../../e2e/fake-oauth/drive";
import type { FakeOAuthProvider } from "../../e2e/fake-oauth/server";
import type { RunningApp } from "../support/app";
import { ApiClient, parseSetCookie } from "../support/client";

// The browser flow of docs/api.md ("Social login") against the built app and the fake
// provider: new users via each provider, returning users, `next`, and the cookies.

let app: RunningApp;
let fake: FakeOAuthProvider;

beforeAll(async () => {
  ({ app, fake } = await startAppWithFakeProvider());
  fake.addUser({ id: "2001", login: "gloria", name: "Gloria Google-Smith", email: "Gloria@Example.TEST", emailVerified: true });
  fake.addUser({ id: "2002", login: "repeat", name: "Repeat Visitor", email: "repeat@example.test", emailVerified: true });
  fake.addUser({ id: "2003", login: "taken-name", name: null, email: "second-taken@example.test", emailVerified: true });
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

/** The profile behind the client's refresh cookie, as GET /api/auth/me/ tells it. */
async function profileOf(client: ApiClient) {
  const refreshed = await client.post("/api/auth/token/refresh/");
  expect(refreshed.status).toBe(200);
  const me = await client.get("/api/auth/me/", { authorization: `Bearer ${refreshed.body.access}` });
  expect(me.status).toBe(200);
  return me.body;
}

const cookieNamed = (setCookies: string[], name: string) => {
  const line = setCookies.find((c) => c.startsWith(`${name}=`));
  return line ? parseSetCookie(line) : undefined;
};

describe("start", () => {
  it("redirects to the provider with S256 PKCE, state, the exact redirect URI and the scopes, and sets the state cookie", async () => {
    const client = new ApiClient(app.url);
    const { response, authorizeUrl } = await startSocialFlow(client, "github", { next: "/profile/" });

    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(fake.env().GITHUB_AUTH_URL);
    const q = authorizeUrl.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe(fake.clients.github.clientId);
    expect(q.get("redirect_uri")).toBe(`${app.url}/api/auth/social/github/callback/`);
    expect(q.get("scope")).toBe("read:user user:email");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const cookie = cookieNamed(response.setCookies, "oauth_state")!;
    expect(cookie.attributes).toMatchObject({ httponly: true, samesite: "lax", path: "/api/auth/social/", "max-age": "600" });
    expect(cookie.attributes.secure).toBeUndefined(); // http APP_URL
    // The verifier never leaves in the URL; only its hash does.
    const stored = JSON.parse(Buffer.from(cookie.value, "base64url").toString());
    expect(q.toString()).not.toContain(stored.codeVerifier);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("asks Google for openid email profile", async () => {
    const { authorizeUrl } = await startSocialFlow(new ApiClient(app.url), "google");
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(fake.env().GOOGLE_AUTH_URL);
    expect(authorizeUrl.searchParams.get("scope")).toBe("openid email profile");
    expect(authorizeUrl.searchParams.get("redirect_uri")).toBe(`${app.url}/api/auth/social/google/callback/`);
  });

  it("answers 404 for an unknown provider", async () => {
    const client = new ApiClient(app.url);
    for (const path of ["/api/auth/social/facebook/", "/api/auth/social/facebook/callback/?code=x&state=y"]) {
      const response = await client.get(path);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: "Unsupported provider" });
    }
  });

  it("answers 405 with Allow for a method it does not serve", async () => {
    const client = new ApiClient(app.url);
    const put = await client.request("PUT", "/api/auth/social/github/");
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toContain("DELETE");
    const post = await client.post("/api/auth/social/github/callback/", {});
    expect(post.status).toBe(405);
  });
});

describe("new users (rule 4)", () => {
  it("creates a verified, password-less user from GitHub and signs them in", async () => {
    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "github", "1001");

    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/`);
    const refresh = cookieNamed(callback.setCookies, "refresh_token")!;
    expect(refresh.attributes).toMatchObject({ httponly: true, samesite: "lax", path: "/api/auth/" });
    const state = cookieNamed(callback.setCookies, "oauth_state")!;
    expect(state.attributes).toMatchObject({ "max-age": "0", path: "/api/auth/social/" });

    const me = await profileOf(client);
    expect(me).toEqual({ id: expect.any(Number), username: "octocat", email: "octocat@example.test", email_verified: true, providers: ["github"] });
    const row = (await app.db().get("select password_hash, email_verified from users where id = ?", me.id)) as any;
    expect(row).toEqual({ password_hash: null, email_verified: 1 });
    const link = await app.db().all("select provider, provider_user_id, email from social_accounts where user_id = ?", me.id);
    expect(link).toEqual([{ provider: "github", provider_user_id: "1001", email: "octocat@example.test" }]);
  });

  it("creates a user from Google with a username made from the name", async () => {
    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "google", "2001");
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/`);
    const me = await profileOf(client);
    // Stored like a registered address: the domain lower-cased, the local part kept.
    expect(me).toMatchObject({ username: "Gloria_Google-Smith", email: "Gloria@example.test", email_verified: true, providers: ["google"] });
  });

  it("makes a derived username unique without regard to case", async () => {
    const register = await new ApiClient(app.url).post("/api/auth/register/", {
      username: "Taken-Name",
      email: "first-taken@example.test",
      password: "a long and unusual passphrase",
    });
    expect(register.status).toBe(201);
    const client = new ApiClient(app.url);
    await signInThroughProvider(client, "github", "2003");
    expect((await profileOf(client)).username).toBe("taken-name2");
  });
});

describe("returning users (rule 1)", () => {
  it("signs the same provider account in as the same user, with a new session each time", async () => {
    const first = new ApiClient(app.url);
    await signInThroughProvider(first, "github", "2002");
    const firstProfile = await profileOf(first);

    const second = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(second, "github", "2002");
    expect(callback.status).toBe(302);
    const secondProfile = await profileOf(second);
    expect(secondProfile).toEqual(firstProfile);
    expect(await app.db().get("select count(*) as n from users where lower(email) = 'repeat@example.test'")).toEqual({ n: 1 });
    expect(await app.db().get("select count(*) as n from sessions where user_id = ?", firstProfile.id)).toEqual({ n: 2 });
  });
});

describe("next", () => {
  it("lands on a same-origin path", async () => {
    const client = new ApiClient(app.url);
    const { callback } = await signInThroughProvider(client, "github", "2002", { next: "/profile/?tab=sessions" });
    expect(callback.headers.get("location")).toBe(`${app.url}/profile/?tab=sessions`);
  });

  it.each(["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "/\t/evil.example"])(
    "ignores next=%s and lands on /profile/",
    async (next) => {
      const client = new ApiClient(app.url);
      const { callback } = await signInThroughProvider(client, "github", "2002", { next });
      expect(callback.status).toBe(302);
      expect(callback.headers.get("location")).toBe(`${app.url}/profile/`);
    },
  );
});

describe("the person says no", () => {
  it("sends Deny back to the login page as access_denied, with no session", async () => {
    const client = new ApiClient(app.url);
    const { authorizeUrl } = await startSocialFlow(client, "github");
    const callbackUrl = await chooseAtProvider(authorizeUrl, { deny: true });
    expect(callbackUrl.searchParams.get("error")).toBe("access_denied");
    const callback = await returnToApp(client, callbackUrl);
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`${app.url}/login/?error=access_denied`);
    expect(cookieNamed(callback.setCookies, "refresh_token")).toBeUndefined();
    expect(cookieNamed(callback.setCookies, "oauth_state")?.attributes["max-age"]).toBe("0");
  });
});
