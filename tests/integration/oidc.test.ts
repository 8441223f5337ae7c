import { createServer, type Server } from "node:http";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app";
import { administrator } from "../support/accounts";
import { ApiClient } from "../support/client";
import { startFakeResend, type FakeResend } from "../support/fake-resend";
import { TEST_POSTGRES_URL } from "../support/test-database";

// Sign in with Gatehouse (docs/oidc.md): the built server (`node server.js`) as an OpenID
// Connect provider, driven by openid-client 6, a certified relying-party library nobody
// here wrote. The browser's part (the login form, the consent page) goes through the
// pages' own API: a sign-in through POST /api/auth/login/ gives the refresh cookie, and the
// authorization request with that cookie reaches the interaction route. One server for
// the file; every hostile test is one rule of the contract (docs/api.md).

const PASSWORD = "a sturdy gate for other apps";
const SECRET_CRM = "crm-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const SECRET_NOTES = "notes-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const RP = "http://rp.localhost:4999";
const CALLBACK = `${RP}/callback`;
const API_RESOURCE = "https://api.acme.test";

/** A stand-in for the apps' servers: it records the back-channel logout tokens they get. */
type LogoutSink = { url: string; tokens: string[]; waitFor(n: number): Promise<void>; close(): Promise<void> };

async function startLogoutSink(): Promise<LogoutSink> {
  const tokens: string[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const token = new URLSearchParams(body).get("logout_token");
      if (token) tokens.push(token);
      res.writeHead(200).end();
      waiters.splice(0).forEach((wake) => wake());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/backchannel`,
    tokens,
    async waitFor(n) {
      const deadline = Date.now() + 15_000;
      while (tokens.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} logout tokens, got ${tokens.length}`);
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 1000).unref();
        });
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function clients(sink: string) {
  return JSON.stringify([
    {
      client_id: "crm",
      client_secret: SECRET_CRM,
      name: "Acme CRM",
      redirect_uris: [CALLBACK],
      post_logout_redirect_uris: [`${RP}/signed-out`],
      skip_consent: true,
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
      backchannel_logout_uri: sink,
      resources: [API_RESOURCE],
    },
    {
      client_id: "notes",
      client_secret: SECRET_NOTES,
      name: "Team Notes",
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "EdDSA",
    },
    { client_id: "cli", public: true, redirect_uris: ["http://127.0.0.1:8765/cb"], skip_consent: true },
    { client_id: "retired", client_secret: "retired-secret-0123456789abcdefghijklmnop", redirect_uris: [CALLBACK], disabled: true },
  ]);
}

export const OIDC_SIGNING_KEY = JSON.stringify(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }));

/** A browser: cookies by name (enough for one origin), redirects followed by hand. */
class Browser {
  readonly api: ApiClient;
  constructor(readonly base: string) {
    this.api = new ApiClient(base);
  }

  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.api.cookieHeader();
    if (cookie && url.startsWith(this.base)) headers.set("cookie", cookie);
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) (this.api as unknown as { store(line: string): void }).store(line);
    return res;
  }

  /** Follow redirects on Gatehouse until one leaves it (to the app) or a page answers. */
  async follow(url: string | URL): Promise<{ url: URL; response: Response }> {
    let current = new URL(url);
    for (let hop = 0; hop < 12; hop++) {
      if (!current.href.startsWith(this.base)) return { url: current, response: new Response(null, { status: 204 }) };
      const response = await this.get(current.href);
      if (process.env.OIDC_TEST_DEBUG) console.log(response.status, current.href);
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      current = new URL(location, current);
    }
    throw new Error("too many redirects");
  }

  async signIn(email: string): Promise<string> {
    const res = await this.api.request("POST", "/api/auth/login/", { json: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    return res.body.access as string;
  }
}

type Flow = { url: URL; verifier: string; state: string; nonce: string };

async function authorizationRequest(config: oidc.Configuration, extra: Record<string, string> = {}): Promise<Flow> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: "openid profile email offline_access",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

const insecure = { execute: [oidc.allowInsecureRequests] };

async function register(app: RunningApp, name: string): Promise<{ email: string; id: number }> {
  const api = new ApiClient(app.url);
  const email = `${name}@example.com`;
  const res = await api.request("POST", "/api/auth/register/", { json: { username: name, email, password: PASSWORD } });
  expect(res.status).toBe(201);
  const login = await api.request("POST", "/api/auth/login/", { json: { email, password: PASSWORD } });
  return { email, id: login.body.user.id as number };
}

/** The whole browser part: sign in (if needed), authorize, come back with the code. */
async function signInThrough(browser: Browser, config: oidc.Configuration, extra: Record<string, string> = {}) {
  const flow = await authorizationRequest(config, extra);
  const { url } = await browser.follow(flow.url);
  expect(url.origin + url.pathname).toBe(CALLBACK);
  const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
  return { flow, callback: url, tokens };
}

describe("Sign in with Gatehouse (OpenID Connect provider)", () => {
  let app: RunningApp;
  let sink: LogoutSink;
  let crm: oidc.Configuration;
  let notes: oidc.Configuration;
  let alice: { email: string; id: number };

  beforeAll(async () => {
    sink = await startLogoutSink();
    app = await startApp({ env: { OIDC_CLIENTS: clients(sink.url), OIDC_SIGNING_KEY } });
    crm = await oidc.discovery(new URL(app.url), "crm", SECRET_CRM, undefined, insecure);
    notes = await oidc.discovery(new URL(app.url), "notes", SECRET_NOTES, oidc.ClientSecretPost(SECRET_NOTES), insecure);
    alice = await register(app, "alice");
  });
  afterAll(async () => {
    if (process.env.OIDC_TEST_DEBUG) console.log(app?.logs());
    await app?.stop();
    await sink?.close();
  });

  it("publishes discovery at the issuer, without a redirect, with public keys and only the flows it allows", async () => {
    const res = await fetch(`${app.url}/.well-known/openid-configuration`, { redirect: "manual" });
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(app.url);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    expect(meta.response_types_supported).toEqual(["code"]);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    expect(meta.id_token_signing_alg_values_supported).toEqual(["RS256", "EdDSA"]);
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials"]));
    expect(meta.grant_types_supported).not.toContain("implicit");
    for (const key of ["end_session_endpoint", "revocation_endpoint", "introspection_endpoint", "userinfo_endpoint"]) expect(meta[key]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/oidc\//);
    expect(meta.backchannel_logout_supported).toBe(true);
    const jwks = (await (await fetch(String(meta.jwks_uri))).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(["EdDSA", "RS256"]);
    for (const key of jwks.keys) for (const secret of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(secret);
  });

  it("signs a person in with code + PKCE: id_token, claims by scope, userinfo, a refresh token without prompt=consent, iss in the response", async () => {
    const browser = new Browser(app.url);
    // No session: the authorization request sends the browser to Gatehouse's login page.
    const flow = await authorizationRequest(crm);
    const first = await browser.follow(flow.url);
    expect(first.url.pathname).toBe("/login/");
    const next = first.url.searchParams.get("next")!;
    expect(next).toMatch(/^\/api\/auth\/oidc\/interaction\/[\w-]+\/$/);
    expect(first.url.searchParams.get("app")).toBe("Acme CRM");
    // Signing in there, the page goes on to `next`: back to the app with a code.
    await browser.signIn(alice.email);
    const { url } = await browser.follow(new URL(next, app.url));
    expect(url.origin + url.pathname).toBe(CALLBACK);
    expect(url.searchParams.get("iss")).toBe(app.url);
    const tokens = await oidc.authorizationCodeGrant(crm, url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(app.url);
    expect(claims.aud).toBe("crm");
    expect(claims.sub).toBe(String(alice.id));
    expect(claims.preferred_username).toBe("alice");
    expect(claims.email).toBe(alice.email);
    expect(claims.email_verified).toBe(false);
    expect(typeof claims.auth_time).toBe("number");
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe("RS256");
    expect(tokens.refresh_token).toBeTruthy();
    const info = await oidc.fetchUserInfo(crm, tokens.access_token, String(alice.id));
    expect(info).toMatchObject({ sub: String(alice.id), preferred_username: "alice", email: alice.email, email_verified: false });
    // The activity names the app.
    const activity = await browser.api.request("GET", "/api/auth/activity/", { headers: { authorization: `Bearer ${await browser.signIn(alice.email)}` } });
    expect(activity.body.some((e: { type: string; detail: { app?: string } }) => e.type === "app_sign_in" && e.detail.app === "Acme CRM")).toBe(true);
  });

  it("single sign-on: a second app request with the session does not ask again; prompt=none answers with a code, or login_required without a session", async () => {
    const browser = new Browser(app.url);
    const nobody = await authorizationRequest(crm, { prompt: "none" });
    const refused = await browser.follow(nobody.url);
    expect(refused.url.origin + refused.url.pathname).toBe(CALLBACK);
    expect(refused.url.searchParams.get("error")).toBe("login_required");
    await browser.signIn(alice.email);
    await signInThrough(browser, crm);
    const silent = await signInThrough(browser, crm, { prompt: "none", scope: "openid" });
    expect(silent.tokens.claims()!.sub).toBe(String(alice.id));
  });

  it("no Gatehouse session, no code: a browser that kept the provider's cookie but not Gatehouse's signs in again", async () => {
    const browser = new Browser(app.url);
    await browser.signIn(alice.email);
    await signInThrough(browser, crm);
    expect([...browser.api.cookies.keys()]).toContain("gh_oidc_session");
    browser.api.cookies.delete("refresh_token");
    const asked = await browser.follow((await authorizationRequest(crm)).url);
    expect(asked.url.pathname).toBe("/login/");
    const silent = await browser.follow((await authorizationRequest(crm, { prompt: "none" })).url);
    expect(silent.url.searchParams.get("error")).toBe("login_required");
  });

  it("scopes decide the claims: openid alone gives sub only", async () => {
    const browser = new Browser(app.url);
    await browser.signIn(alice.email);
    const { tokens } = await signInThrough(browser, crm, { scope: "openid" });
    const claims = tokens.claims()!;
    expect(claims.email).toBeUndefined();
    expect(claims.preferred_username).toBeUndefined();
    expect(tokens.refresh_token).toBeUndefined();
  });

  it("prompt=login and max_age=0 need a sign-in after the request: the page asks again, a re-authentication satisfies it", async () => {
    const browser = new Browser(app.url);
    const access = await browser.signIn(alice.email);
    for (const extra of [{ prompt: "login" }, { max_age: "0" }] as Record<string, string>[]) {
      const flow = await authorizationRequest(crm, extra);
      const asked = await browser.follow(flow.url);
      expect(asked.url.pathname).toBe("/login/");
      expect(asked.url.searchParams.get("prompt")).toBe("login");
      const started = Math.floor(Date.now() / 1000);
      const again = await browser.api.request("POST", "/api/auth/reauthenticate/", { json: { password: PASSWORD }, headers: { authorization: `Bearer ${access}` } });
      expect(again.status).toBe(200);
      const { url } = await browser.follow(new URL(asked.url.searchParams.get("next")!, app.url));
      const tokens = await oidc.authorizationCodeGrant(crm, url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, ...(extra.max_age ? { maxAge: 0 } : {}) });
      expect(tokens.claims()!.auth_time).toBeGreaterThanOrEqual(started - 1);
    }
  });

  it("rotates refresh tokens; a reused one revokes the whole grant", async () => {
    const browser = new Browser(app.url);
    await browser.signIn(alice.email);
    const { tokens } = await signInThrough(browser, crm);
    const rotated = await oidc.refreshTokenGrant(crm, tokens.refresh_token!);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(crm, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    // The successor died with the grant, and so did the access token.
    await expect(oidc.refreshTokenGrant(crm, rotated.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.fetchUserInfo(crm, rotated.access_token, String(alice.id))).rejects.toBeTruthy();
  });

  it("the token endpoint answers no-store, and revocation ends an access token", async () => {
    const browser = new Browser(app.url);
    await browser.signIn(alice.email);
    const { callback, flow } = await (async () => {
      const f = await authorizationRequest(crm);
      return { flow: f, callback: (await browser.follow(f.url)).url };
    })();
    const res = await fetch(`${app.url}/api/auth/oidc/token`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`crm:${SECRET_CRM}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code: callback.searchParams.get("code")!, redirect_uri: CALLBACK, code_verifier: flow.verifier }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const body = (await res.json()) as { access_token: string };
    const introspected = await oidc.tokenIntrospection(crm, body.access_token);
    expect(introspected.active).toBe(true);
    await oidc.tokenRevocation(crm, body.access_token);
    expect((await oidc.tokenIntrospection(crm, body.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(crm, body.access_token, String(alice.id))).rejects.toBeTruthy();
  });

  it("consent: the page's question, Deny answers access_denied, Allow is remembered per user, client and scopes; EdDSA and client_secret_post on request", async () => {
    const browser = new Browser(app.url);
    await browser.signIn(alice.email);
    const ask = async () => {
      const flow = await authorizationRequest(notes, { scope: "openid email" });
      const { url } = await browser.follow(flow.url);
      return { flow, url };
    };
    const denied = await ask();
    expect(denied.url.pathname).toBe("/consent/");
    const consentPath = `/api/auth/oidc/interaction/${denied.url.searchParams.get("interaction")}/consent/`;
    const question = await browser.get(`${app.url}${consentPath}`);
    expect(question.status).toBe(200);
    expect(await question.json()).toMatchObject({ app: { name: "Team Notes" }, scopes: ["email"], user: { username: "alice" } });
    const origin = { origin: app.url, "content-type": "application/json" };
    // A cross-site answer is refused before anything is decided.
    const forged = await browser.get(`${app.url}${consentPath}`, { method: "POST", headers: { ...origin, origin: "https://evil.example" }, body: JSON.stringify({ decision: "allow" }) });
    expect(forged.status).toBe(403);
    const no = await browser.get(`${app.url}${consentPath}`, { method: "POST", headers: origin, body: JSON.stringify({ decision: "deny" }) });
    const back = await browser.follow(new URL(((await no.json()) as { redirect_to: string }).redirect_to));
    expect(back.url.searchParams.get("error")).toBe("access_denied");

    const allowed = await ask();
    const yesPath = `/api/auth/oidc/interaction/${allowed.url.searchParams.get("interaction")}/consent/`;
    const yes = await browser.get(`${app.url}${yesPath}`, { method: "POST", headers: origin, body: JSON.stringify({ decision: "allow" }) });
    const done = await browser.follow(new URL(((await yes.json()) as { redirect_to: string }).redirect_to));
    const tokens = await oidc.authorizationCodeGrant(notes, done.url, { pkceCodeVerifier: allowed.flow.verifier, expectedState: allowed.flow.state, expectedNonce: allowed.flow.nonce });
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe("EdDSA");
    expect(tokens.claims()!.email).toBe(alice.email);

    // A new browser, a new sign-in: the answer is remembered, no page.
    const later = new Browser(app.url);
    await later.signIn(alice.email);
    const again = await signInThrough(later, notes, { scope: "openid email" });
    expect(again.tokens.claims()!.sub).toBe(String(alice.id));
    // More scopes than were allowed: asked again.
    const more = await later.follow((await authorizationRequest(notes, { scope: "openid email profile" })).url);
    expect(more.url.pathname).toBe("/consent/");
  });

  it("Apps with access lists the apps and revokes one: its refresh tokens stop at once", async () => {
    const bob = await register(app, "bob");
    const browser = new Browser(app.url);
    const access = await browser.signIn(bob.email);
    const { tokens } = await signInThrough(browser, crm);
    const bearer = { authorization: `Bearer ${access}` };
    const list = await browser.api.request("GET", "/api/auth/apps/", { headers: bearer });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([expect.objectContaining({ client_id: "crm", name: "Acme CRM", scopes: expect.arrayContaining(["openid", "email", "offline_access"]) })]);
    const revoked = await browser.api.request("DELETE", "/api/auth/apps/crm/", { headers: bearer });
    expect(revoked.status).toBe(204);
    await expect(oidc.refreshTokenGrant(crm, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    expect((await browser.api.request("GET", "/api/auth/apps/", { headers: bearer })).body).toEqual([]);
    expect((await browser.api.request("DELETE", "/api/auth/apps/crm/", { headers: bearer })).status).toBe(404);
  });

  it("an account an administrator disables or erases loses its apps at once: refresh, userinfo and a back-channel logout", async () => {
    const chief = await administrator(app, "oidc_chief");
    const browser = new Browser(app.url);
    const frank = await register(app, "frank");
    await browser.signIn(frank.email);
    const { tokens } = await signInThrough(browser, crm);
    const before = sink.tokens.length;
    expect((await chief.call("POST", `/api/admin/users/${frank.id}/disable/`, { reason: "oidc" })).status).toBe(200);
    await expect(oidc.refreshTokenGrant(crm, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.fetchUserInfo(crm, tokens.access_token, String(frank.id))).rejects.toBeTruthy();
    await sink.waitFor(before + 1);
    expect(decodeJwt(sink.tokens.at(-1)!).sub).toBe(String(frank.id));

    const grace = await register(app, "grace");
    const other = new Browser(app.url);
    await other.signIn(grace.email);
    const second = await signInThrough(other, crm);
    expect((await chief.call("DELETE", `/api/admin/users/${grace.id}/`, { reason: "oidc" })).status).toBe(204);
    await expect(oidc.refreshTokenGrant(crm, second.tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    expect(await app.db().all("select model from oidc_models where account_id = ?", grace.id)).toEqual([]);
    expect(await app.db().all("select client_id from oidc_consents where user_id = ?", grace.id)).toEqual([]);
  });

  it("RP-initiated logout ends the Gatehouse session too, echoes state, and the app's back channel gets a signed logout token", async () => {
    const carol = await register(app, "carol");
    const browser = new Browser(app.url);
    await browser.signIn(carol.email);
    const { tokens } = await signInThrough(browser, crm);
    const before = sink.tokens.length;
    const end = oidc.buildEndSessionUrl(crm, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${RP}/signed-out`, state: "bye-123" });
    const question = await browser.get(end.href);
    expect(question.status).toBe(200);
    const page = await question.text();
    expect(page).toContain("Sign out of Gatehouse?");
    expect(page).toContain("Acme CRM");
    const action = /<form[^>]*action="([^"]+)"/.exec(page)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)![1]!;
    const confirmed = await browser.get(new URL(action.replace(/&amp;/g, "&"), app.url).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf, logout: "yes" }).toString(),
    });
    expect(confirmed.status).toBe(303);
    const target = new URL(confirmed.headers.get("location")!);
    expect(target.origin + target.pathname).toBe(`${RP}/signed-out`);
    expect(target.searchParams.get("state")).toBe("bye-123");
    // Gatehouse's own session is over: its refresh cookie no longer refreshes.
    expect((await browser.api.request("POST", "/api/auth/token/refresh/")).status).not.toBe(200);
    await expect(oidc.refreshTokenGrant(crm, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await sink.waitFor(before + 1);
    const logoutToken = sink.tokens.at(-1)!;
    const { payload } = await jwtVerify(logoutToken, createRemoteJWKSet(new URL(`${app.url}/api/auth/oidc/jwks`)), { issuer: app.url, audience: "crm" });
    expect(payload.sub).toBe(String(carol.id));
    expect(payload.sid).toBe(tokens.claims()!.sid);
    expect(payload.events).toEqual({ "http://schemas.openid.net/event/backchannel-logout": {} });
  });

  it("a Gatehouse logout (and every other session ending) ends the apps' grants and tells their back channels", async () => {
    const dave = await register(app, "dave");
    const browser = new Browser(app.url);
    await browser.signIn(dave.email);
    const { tokens } = await signInThrough(browser, crm);
    const before = sink.tokens.length;
    expect((await browser.api.request("POST", "/api/auth/logout/")).status).toBe(200);
    await expect(oidc.refreshTokenGrant(crm, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.fetchUserInfo(crm, tokens.access_token, String(dave.id))).rejects.toBeTruthy();
    await sink.waitFor(before + 1);
    expect(decodeJwt(sink.tokens.at(-1)!).sub).toBe(String(dave.id));
    // And the next authorization asks for a sign-in: the provider's session went with it.
    const after = await browser.follow((await authorizationRequest(crm)).url);
    expect(after.url.pathname).toBe("/login/");
  });

  it("client_credentials for a client that lists it: an RFC 9068 JWT for the resource, which Gatehouse's own API refuses", async () => {
    const granted = await oidc.clientCredentialsGrant(crm, { resource: API_RESOURCE });
    const header = decodeProtectedHeader(granted.access_token);
    expect(header.typ).toBe("at+jwt");
    expect(decodeJwt(granted.access_token).aud).toBe(API_RESOURCE);
    const me = await fetch(`${app.url}/api/auth/me/`, { headers: { authorization: `Bearer ${granted.access_token}` } });
    expect(me.status).toBe(401);
    await expect(oidc.clientCredentialsGrant(notes)).rejects.toMatchObject({ error_description: "requested grant type is not allowed for this client" });
    await expect(oidc.clientCredentialsGrant(crm, { resource: "https://not-registered.example" })).rejects.toMatchObject({ error: "invalid_target" });
  });

  describe("refuses", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = new Browser(app.url);
      await browser.signIn(alice.email);
    });

    it("an unregistered or prefix-matched redirect_uri with an error page, never a redirect", async () => {
      for (const redirect of ["https://evil.example/callback", `${CALLBACK}/../evil`, `${CALLBACK}x`, `${CALLBACK}?x=1`, `${RP}/callback/`]) {
        const flow = await authorizationRequest(crm, { redirect_uri: redirect });
        const res = await browser.get(flow.url.href);
        expect(res.status, redirect).toBe(400);
        expect(res.headers.get("location")).toBeNull();
        expect(res.headers.get("content-type")).toContain("text/html");
        expect(await res.text()).toContain("has not registered");
      }
    });

    it("an unregistered post_logout_redirect_uri with an error page", async () => {
      const { tokens } = await signInThrough(browser, crm, { scope: "openid" });
      const end = oidc.buildEndSessionUrl(crm, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: "https://evil.example/bye" });
      const res = await browser.get(end.href);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    });

    it("a replayed code, and revokes what the first exchange issued", async () => {
      const flow = await authorizationRequest(crm);
      const { url } = await browser.follow(flow.url);
      const tokens = await oidc.authorizationCodeGrant(crm, url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
      await expect(oidc.authorizationCodeGrant(crm, url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce })).rejects.toMatchObject({ error: "invalid_grant" });
      await expect(oidc.refreshTokenGrant(crm, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
      expect((await oidc.tokenIntrospection(crm, tokens.access_token)).active).toBe(false);
    });

    it("a code exchanged by two requests at once: one wins", async () => {
      const flow = await authorizationRequest(crm);
      const { url } = await browser.follow(flow.url);
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => oidc.authorizationCodeGrant(crm, url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    });

    it("a wrong verifier, and a missing one (a downgrade)", async () => {
      for (const verifier of [oidc.randomPKCECodeVerifier(), undefined]) {
        const flow = await authorizationRequest(crm);
        const { url } = await browser.follow(flow.url);
        await expect(oidc.authorizationCodeGrant(crm, url, { pkceCodeVerifier: verifier, expectedState: flow.state, expectedNonce: flow.nonce })).rejects.toMatchObject({ error: "invalid_grant" });
      }
    });

    it("plain PKCE and a request without a challenge", async () => {
      const plain = new URL((await authorizationRequest(crm)).url);
      plain.searchParams.set("code_challenge_method", "plain");
      plain.searchParams.set("code_challenge", oidc.randomPKCECodeVerifier());
      const noChallenge = new URL((await authorizationRequest(crm)).url);
      noChallenge.searchParams.delete("code_challenge");
      noChallenge.searchParams.delete("code_challenge_method");
      for (const url of [plain, noChallenge]) {
        const back = await browser.follow(url);
        expect(back.url.origin + back.url.pathname).toBe(CALLBACK);
        expect(back.url.searchParams.get("error")).toBe("invalid_request");
        expect(back.url.searchParams.get("code")).toBeNull();
      }
    });

    it("another client's code and another client's refresh token", async () => {
      const flow = await authorizationRequest(crm);
      const { url } = await browser.follow(flow.url);
      await expect(oidc.authorizationCodeGrant(notes, url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state })).rejects.toMatchObject({ error: "invalid_grant" });
      const { tokens } = await signInThrough(browser, crm);
      await expect(oidc.refreshTokenGrant(notes, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    });

    it("a disabled client, at the authorization and token endpoints", async () => {
      const flow = await authorizationRequest(crm, { client_id: "retired" });
      const res = await browser.get(flow.url.href);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      const token = await fetch(`${app.url}/api/auth/oidc/token`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from("retired:retired-secret-0123456789abcdefghijklmnop").toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials" }),
      });
      expect(token.status).toBe(401);
      expect(((await token.json()) as { error: string }).error).toBe("invalid_client");
    });

    it("a public client without PKCE is refused, and one with PKCE signs in; it may not introspect", async () => {
      const cli = await oidc.discovery(new URL(app.url), "cli", undefined, oidc.None(), insecure);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(cli, { redirect_uri: "http://127.0.0.1:8765/cb", scope: "openid", code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", state });
      const back = await browser.follow(url);
      const tokens = await oidc.authorizationCodeGrant(cli, back.url, { pkceCodeVerifier: verifier, expectedState: state });
      expect(tokens.claims()!.sub).toBe(String(alice.id));
      // A browser app may call the token endpoint from its own origin (CORS), and only from it.
      const preflight = (origin: string) =>
        fetch(`${app.url}/api/auth/oidc/token`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
      expect((await preflight("http://127.0.0.1:8765")).headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:8765");
      const cors = await fetch(`${app.url}/api/auth/oidc/token`, { method: "POST", headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=authorization_code&client_id=cli&code=x&code_verifier=y&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcb" });
      expect(cors.headers.get("access-control-allow-origin")).toBeNull();
      // A public client learns nothing: a live token reads as inactive to it.
      expect(await oidc.tokenIntrospection(cli, tokens.access_token)).toEqual({ active: false });
      expect((await oidc.tokenIntrospection(crm, tokens.access_token)).active).toBe(false);
    });

    it("Gatehouse's own access token at userinfo, and a client's access token at /api/auth/me/", async () => {
      const own = await browser.signIn(alice.email);
      const userinfo = await fetch(`${app.url}/api/auth/oidc/userinfo`, { headers: { authorization: `Bearer ${own}` } });
      expect(userinfo.status).toBe(401);
      const { tokens } = await signInThrough(browser, crm, { scope: "openid" });
      const me = await fetch(`${app.url}/api/auth/me/`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(me.status).toBe(401);
    });

    it("never writes a secret or token to the log", () => {
      const logs = app.logs();
      for (const secret of [SECRET_CRM, SECRET_NOTES, JSON.parse(OIDC_SIGNING_KEY).d as string]) expect(logs).not.toContain(secret);
    });
  });
});

describe("a bad OIDC_CLIENTS entry, or production without OIDC_SIGNING_KEY, stops startup naming it", () => {
  it("names the client and the field, and the missing key", async () => {
    const { runServerExpectingExit } = await import("../support/app");
    const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-oidc-bad-"));
    try {
      const bad = await runServerExpectingExit({
        DATABASE_URL: `file:${dataDir}/db.sqlite`,
        OIDC_CLIENTS: JSON.stringify([{ client_id: "crm", client_secret: "short", redirect_uris: ["not a url"] }]),
      });
      expect(bad.output).toContain('client "crm", client_secret');
      expect(bad.output).toContain('client "crm", redirect_uris.0');
      expect(bad.output).toContain("OIDC_SIGNING_KEY: is required in production when OIDC_CLIENTS is set");
      expect(bad.output).not.toContain("short");
      expect(bad.code).not.toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the provider's limits, per client and per client IP", () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ env: { OIDC_CLIENTS: clients("http://127.0.0.1:9/unused"), OIDC_SIGNING_KEY, RATE_LIMIT_OIDC_PER_CLIENT: "3", RATE_LIMIT_OIDC_PER_IP: "8" } });
  });
  afterAll(() => app?.stop());

  it("answers 429 temporarily_unavailable with Retry-After past either", async () => {
    const token = () =>
      fetch(`${app.url}/api/auth/oidc/token`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`crm:${SECRET_CRM}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
      });
    for (let i = 0; i < 3; i++) expect((await token()).status).toBe(200);
    const limited = await token();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: "temporarily_unavailable" });
    // Four requests so far from this address; four more pass, the ninth does not.
    const discovery = () => fetch(`${app.url}/.well-known/openid-configuration`);
    for (let i = 0; i < 4; i++) expect((await discovery()).status).toBe(200);
    const byIp = await discovery();
    expect(byIp.status).toBe(429);
    expect(byIp.headers.get("retry-after")).toBeTruthy();
  });
});

// Two production instances on one PostgreSQL database: the provider keeps nothing in
// process memory another instance needs (codes, refresh tokens, cookies' keys).
describe.skipIf(!TEST_POSTGRES_URL)("two instances share the provider (PostgreSQL)", () => {
  const BALANCER = "http://localhost:8081";
  const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-oidc-pair-"));
  let resend: FakeResend;
  let a: RunningApp;
  let b: RunningApp;
  beforeAll(async () => {
    resend = await startFakeResend();
    const env = { APP_URL: BALANCER, OIDC_CLIENTS: clients("http://127.0.0.1:9/unused"), OIDC_SIGNING_KEY, RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url };
    a = await startApp({ dataDir, env });
    b = await startApp({ dataDir, env });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await resend?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** openid-client pointed at one instance, for an issuer both share. */
  const configFor = (instance: RunningApp) => {
    const config = new oidc.Configuration(
      { issuer: BALANCER, token_endpoint: `${instance.url}/api/auth/oidc/token`, authorization_endpoint: `${BALANCER}/api/auth/oidc/authorize`, jwks_uri: `${instance.url}/api/auth/oidc/jwks`, authorization_response_iss_parameter_supported: true },
      "crm",
      SECRET_CRM,
    );
    oidc.allowInsecureRequests(config);
    return config;
  };

  it("a code issued by one is exchanged at the other; a refresh token rotated on one is refused as reused at the other", async () => {
    const user = await register(a, "erin");
    const browser = new Browser(a.url);
    await browser.signIn(user.email);
    const flow = await authorizationRequest(configFor(a));
    // The browser talks to instance a; the balancer's address is rewritten to it.
    const { url } = await browser.follow(flow.url.href.replace(BALANCER, a.url));
    const tokens = await oidc.authorizationCodeGrant(configFor(b), url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    expect(tokens.claims()!.sub).toBe(String(user.id));
    const rotated = await oidc.refreshTokenGrant(configFor(a), tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(configFor(b), tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.refreshTokenGrant(configFor(b), rotated.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
  });
});
