import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as activity from "@/app/api/auth/activity/route";
import * as login from "@/app/api/auth/login/route";
import * as logout from "@/app/api/auth/logout/route";
import * as refresh from "@/app/api/auth/token/refresh/route";
import * as social from "@/app/api/auth/social/[provider]/route";
import { recordSecurityEvent } from "@/lib/auth/activity";
import { chooseAtProvider } from "../../e2e/fake-oauth/drive";
import { startFakeOAuthProvider, type FakeOAuthProvider } from "../../e2e/fake-oauth/server";
import { apiRequest, call, params } from "../support/handlers";
import { createUser, PASSWORD, setEnv } from "../unit/helpers";

// What a client written for the seed's API sends and expects (docs/api.md, "Clients
// written for the seed"), and the session hint the built-in pages read: the handlers
// called in-process, the fake GitHub on loopback checking what the real one would.

let fake: FakeOAuthProvider;
const SPA = "https://spa.example.test/auth/callback";
const OTHER = "https://other.example.test/cb";

beforeAll(async () => {
  fake = await startFakeOAuthProvider({ users: [{ id: "7001", login: "seedfan", name: "Seed Fan", email: "seedfan@example.test", emailVerified: true }] });
  fake.registerRedirectUri("github", SPA);
  fake.registerRedirectUri("github", OTHER);
});
afterAll(() => fake?.stop());

const githubEnv = () => Object.fromEntries(Object.entries(fake.env()).filter(([name]) => name.startsWith("GITHUB_")));

/** What the seed's frontend does before it calls the API: PKCE, the provider's page, the code. */
async function codeFor(redirectUri: string): Promise<{ code: string; code_verifier: string }> {
  const code_verifier = randomBytes(32).toString("base64url");
  const authorize = new URL(fake.env().GITHUB_AUTH_URL!);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: fake.clients.github.clientId,
    redirect_uri: redirectUri,
    state: randomBytes(8).toString("base64url"),
    code_challenge: createHash("sha256").update(code_verifier).digest("base64url"),
    code_challenge_method: "S256",
    scope: "read:user user:email",
  }).toString();
  const back = await chooseAtProvider(authorize, { user: "7001" });
  return { code: back.searchParams.get("code")!, code_verifier };
}

const exchange = (body: unknown) => call(social.POST, apiRequest("/api/auth/social/github/", { json: body }), params({ provider: "github" }));

describe("POST /api/auth/social/<provider>/ as the seed's frontend sends it: {code, code_verifier}", () => {
  it("takes the first OAUTH_REDIRECT_URIS entry when no redirect_uri is sent", async () => {
    setEnv({ ...githubEnv(), OAUTH_REDIRECT_URIS: `${SPA}, ${OTHER}` });
    const res = await exchange(await codeFor(SPA));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ access: expect.any(String), user: { email: "seedfan@example.test" } });
    // The token request named the URI the code was issued for, as GitHub requires.
    expect(fake.tokenRequests.at(-1)).toMatchObject({ outcome: "issued", redirectUri: SPA });
  });

  it("uses only the first: a code issued for another listed URI fails at the provider", async () => {
    setEnv({ ...githubEnv(), OAUTH_REDIRECT_URIS: `${SPA}, ${OTHER}` });
    const res = await exchange(await codeFor(OTHER));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: "Code exchange failed" });
  });

  it("answers 400 naming redirect_uri when none is sent and none is configured, without calling the provider", async () => {
    setEnv({ ...githubEnv(), OAUTH_REDIRECT_URIS: "" });
    const before = fake.tokenRequests.length;
    const res = await exchange({ code: "anything", code_verifier: "v".repeat(43) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ redirect_uri: ["This field is required: the server has no OAUTH_REDIRECT_URIS entry to use instead."] });
    expect(fake.tokenRequests.length).toBe(before);
  });

  it("still refuses a redirect_uri that is given and neither the app's callback nor listed, exactly", async () => {
    setEnv({ ...githubEnv(), OAUTH_REDIRECT_URIS: SPA });
    const before = fake.tokenRequests.length;
    const { code, code_verifier } = await codeFor(SPA);
    for (const redirect_uri of ["https://evil.example/cb", `${SPA}/`, `${SPA}?x=1`, SPA.toUpperCase()]) {
      const res = await exchange({ code, code_verifier, redirect_uri });
      expect(res).toMatchObject({ status: 400, body: { redirect_uri: ["This redirect URI is not allowed."] } });
    }
    // Not a way around the list either: null and "" are refused, not read as "absent".
    expect((await exchange({ code, code_verifier, redirect_uri: null })).body).toEqual({ redirect_uri: ["This field may not be null."] });
    expect((await exchange({ code, code_verifier, redirect_uri: "" })).body).toEqual({ redirect_uri: ["This field may not be blank."] });
    expect(fake.tokenRequests.length).toBe(before);
  });
});

describe("mfa_required, for a client that knows no second step", () => {
  it("carries a detail sentence such a client can show", async () => {
    const user = await createUser({ emailVerified: true });
    const { startTotpSetup, confirmTotpSetup } = await import("@/lib/auth/mfa/enrolment");
    const { generateHOTP } = await import("@oslojs/otp");
    const { decodeBase32IgnorePadding } = await import("@oslojs/encoding");
    const setup = await startTotpSetup(user);
    if (!setup.ok) throw new Error("setup refused");
    const code = generateHOTP(decodeBase32IgnorePadding(setup.secret), BigInt(Math.floor(Date.now() / 30_000)), 6);
    expect((await confirmTotpSetup({ user, code, client: { ip: null, userAgent: null } })).ok).toBe(true);
    const res = await call(login.POST, apiRequest("/api/auth/login/", { json: { email: user.email, password: PASSWORD } }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      mfa_required: true,
      mfa_token: expect.any(String),
      methods: ["totp", "recovery_code"],
      detail: "Enter the code from your authenticator app to finish signing in.",
    });
    expect(res.response.headers.getSetCookie()).toEqual([]);
  });
});

/** The cookies a response sets, by name: value and attributes, lower-cased. */
function cookies(response: Response): Record<string, { value: string; attributes: string }> {
  return Object.fromEntries(
    response.headers.getSetCookie().map((line) => {
      const [pair, ...attributes] = line.split(";");
      const [name, value] = pair!.split("=");
      return [name!.trim(), { value: value ?? "", attributes: attributes.join(";").toLowerCase() }];
    }),
  );
}

describe("the session hint (docs/decisions/036)", () => {
  it("is set with the refresh cookie, readable by scripts, for every path, as long-lived; and cleared with it", async () => {
    const user = await createUser();
    const signedIn = await call(login.POST, apiRequest("/api/auth/login/", { json: { email: user.email, password: PASSWORD } }));
    const set = cookies(signedIn.response);
    expect(set.has_session).toMatchObject({ value: "1" });
    expect(set.has_session!.attributes).toContain("path=/");
    expect(set.has_session!.attributes).not.toContain("httponly");
    expect(set.has_session!.attributes).toContain("samesite=lax");
    const maxAge = (attributes: string) => /max-age=(\d+)/.exec(attributes)?.[1];
    expect(maxAge(set.has_session!.attributes)).toBe(maxAge(set.refresh_token!.attributes));

    const cookie = `refresh_token=${set.refresh_token!.value}`;
    const rotated = cookies((await call(refresh.POST, apiRequest("/api/auth/token/refresh/", { method: "POST", headers: { cookie } }))).response);
    expect(rotated.has_session).toMatchObject({ value: "1" });

    const out = cookies((await call(logout.POST, apiRequest("/api/auth/logout/", { method: "POST", headers: { cookie: `refresh_token=${rotated.refresh_token!.value}` } }))).response);
    expect(out.has_session!.attributes).toContain("max-age=0");
    expect(out.refresh_token!.attributes).toContain("max-age=0");
  });

  it("goes when the refresh cookie is refused or missing: the 401 of a revoked token, the 400 of none", async () => {
    const gone = cookies((await call(refresh.POST, apiRequest("/api/auth/token/refresh/", { method: "POST", headers: { cookie: "refresh_token=not-a-live-token" } }))).response);
    expect(gone.has_session!.attributes).toContain("max-age=0");
    const none = await call(refresh.POST, apiRequest("/api/auth/token/refresh/", { method: "POST", headers: { cookie: "has_session=1" } }));
    expect(none).toMatchObject({ status: 400, body: { detail: "No refresh token" } });
    expect(cookies(none.response).has_session!.attributes).toContain("max-age=0");
  });

  it("is no credential: a forged hint with no refresh cookie signs nobody in", async () => {
    const res = await call(refresh.POST, apiRequest("/api/auth/token/refresh/", { method: "POST", headers: { cookie: "has_session=1; refresh_token=" } }));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: "No refresh token" });
  });
});

describe("GET /api/auth/activity/ paging (docs/decisions/037)", () => {
  async function signedInWithEvents(count: number) {
    const user = await createUser();
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < count; i++) await recordSecurityEvent({ userId: user.id, type: "login", client: { ip: null, userAgent: null }, detail: { i } }, start + i * 1000);
    const res = await call(login.POST, apiRequest("/api/auth/login/", { json: { email: user.email, password: PASSWORD } }));
    return { authorization: `Bearer ${res.body.access}` };
  }
  const get = (query: string, headers: Record<string, string>) => call(activity.GET, apiRequest(`/api/auth/activity/${query}`, { headers }));

  it("answers the last 50 as before to a client that does not page, with a Link to the older ones", async () => {
    const auth = await signedInWithEvents(60);
    const res = await get("", auth);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(50);
    expect(res.headers.get("link")).toMatch(/^<\/api\/auth\/activity\/\?before=[A-Za-z0-9_-]+>; rel="next"$/);
  });

  it("pages with limit and the cursors of its Link header, both ways", async () => {
    const auth = await signedInWithEvents(25);
    const first = await get("?limit=10", auth);
    // Newest first: the sign-in that got the token, then the events made above.
    expect(first.body.map((e: { type: string; detail: { i?: number } }) => e.detail.i ?? e.type)).toEqual(["login", 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(first.headers.get("link")).not.toContain('rel="prev"');
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link")!)![1]!;
    expect(next).toContain("limit=10");
    const second = await get(next.replace("/api/auth/activity/", ""), auth);
    expect(second.body.map((e: { detail: { i: number } }) => e.detail.i)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    const prev = /<([^>]+)>; rel="prev"/.exec(second.headers.get("link")!)![1]!;
    expect((await get(prev.replace("/api/auth/activity/", ""), auth)).body).toEqual(first.body);
  });

  it("refuses what is not a page: a limit out of range, a made-up cursor, both directions at once", async () => {
    const auth = await signedInWithEvents(1);
    expect((await get("?limit=0", auth)).body).toEqual({ limit: ["Ensure this value is greater than or equal to 1."] });
    expect((await get("?limit=51", auth)).body).toEqual({ limit: ["Ensure this value is less than or equal to 50."] });
    expect((await get("?limit=ten", auth)).body).toEqual({ limit: ["A valid integer is required."] });
    expect((await get("?before=not-ours", auth))).toMatchObject({ status: 400, body: { before: ["Invalid cursor."] } });
    expect((await get("?before=a&after=b", auth))).toMatchObject({ status: 400, body: { non_field_errors: ["Give before or after, not both."] } });
  });
});
