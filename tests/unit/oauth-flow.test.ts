import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { socialAccounts, users } from "@/db/schema";
import { completeSocialCallback, signInWithAuthorizationCode, startSocialLogin } from "@/lib/auth/oauth/flow";
import { getProviderConfig, type ProviderConfig } from "@/lib/auth/oauth/providers";
import { resetSingletons } from "@/lib/singleton";
import { chooseAtProvider } from "../../e2e/fake-oauth/drive";
import { startFakeOAuthProvider, type FakeOAuthProvider } from "../../e2e/fake-oauth/server";
import { newUserRow } from "@/lib/auth/user";
import { newSession } from "./helpers";

// The flow functions end to end in one process, against the fake provider on loopback:
// what the routes rely on, including REQUIRE_VERIFIED_EMAIL on the social path.

let fake: FakeOAuthProvider;
const APP_URL = "http://127.0.0.1:3999"; // tests/support/unit-setup.ts
const client = { userAgent: "vitest", ip: "127.0.0.1" };

beforeAll(async () => {
  fake = await startFakeOAuthProvider();
  fake.registerRedirectUri("github", `${APP_URL}/api/auth/social/github/callback/`);
  fake.addUser({ id: "5001", login: "worker", name: null, email: "work@example.com", emailVerified: true });
});
afterAll(() => fake.stop());

beforeEach(() => {
  Object.assign(process.env, fake.env());
  resetSingletons("env");
});

const github = (): ProviderConfig => getProviderConfig("github")!;

/** A code for `user`, as an external client would get it with its own PKCE. */
async function externalCode(user: string) {
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(github().authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: github().clientId,
    redirect_uri: `${APP_URL}/api/auth/social/github/callback/`,
    state: "s",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    scope: "read:user user:email",
  }).toString();
  const back = await chooseAtProvider(url, { user });
  return { code: back.searchParams.get("code")!, codeVerifier: verifier, redirectUri: `${APP_URL}/api/auth/social/github/callback/` };
}

/**
 * A local account, unverified, with GitHub linked under another address: a link made
 * before unverified accounts were refused links (a database carried over from then).
 */
async function unverifiedAccountWithGithub(): Promise<number> {
  const [user] = await getDb().insert(users).values(newUserRow({ username: "local", email: "home@example.com", emailVerified: false })).returning();
  if (!user) throw new Error("no user");
  await getDb().insert(socialAccounts).values({ userId: user.id, provider: "github", providerUserId: "5001", email: "work@example.com" });
  return user.id;
}

describe("linking from the profile", () => {
  it("sends an unverified account back to its profile before any trip to the provider", async () => {
    const user = (await getDb().insert(users).values(newUserRow({ username: "fresh", email: "fresh@example.com", emailVerified: false })).returning())[0]!;
    const session = await newSession({ userId: user.id, userAgent: null, ip: null });
    const started = await startSocialLogin({ provider: github(), next: null, intent: "link", refreshToken: session.refresh!.token });
    expect(started).toEqual({ ok: false, code: "email_not_verified", errorPage: "/profile/" });
    expect((await getDb().select().from(socialAccounts))).toEqual([]);
  });
});

describe("REQUIRE_VERIFIED_EMAIL", () => {
  it("refuses a social sign-in into an unverified account, as password login does", async () => {
    await unverifiedAccountWithGithub();
    process.env.REQUIRE_VERIFIED_EMAIL = "true";
    resetSingletons("env");
    const result = await signInWithAuthorizationCode({ provider: github(), ...(await externalCode("5001")), client });
    expect(result).toEqual({ ok: false, reason: "email_not_verified" });
  });

  it("refuses it in the browser flow too, on the login page", async () => {
    await unverifiedAccountWithGithub();
    process.env.REQUIRE_VERIFIED_EMAIL = "true";
    resetSingletons("env");
    const started = await startSocialLogin({ provider: github(), next: null, intent: "login", refreshToken: null });
    if (!started.ok) throw new Error("start failed");
    const back = await chooseAtProvider(new URL(started.authorizationUrl), { user: "5001" });
    const result = await completeSocialCallback({
      provider: github(),
      query: { code: back.searchParams.get("code"), state: back.searchParams.get("state"), error: null },
      stateCookie: started.stateCookie,
      refreshToken: null,
      client,
    });
    expect(result).toEqual({ ok: false, code: "email_not_verified", errorPage: "/login/" });
  });

  it("lets the same sign-in through when the setting is off", async () => {
    const userId = await unverifiedAccountWithGithub();
    const result = await signInWithAuthorizationCode({ provider: github(), ...(await externalCode("5001")), client });
    expect(result).toMatchObject({ ok: true, kind: "session", user: { id: userId, emailVerified: false } });
    expect((await getDb().select().from(users).where(eq(users.id, userId)))[0]?.emailVerified).toBe(false);
  });
});
