import "server-only";
import type { SessionGrant } from "@/lib/auth/session";
import { completeSignIn, type SecondFactorMethod, type SignInResult } from "@/lib/auth/sign-in";
import { getUserById } from "@/lib/auth/user";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { OAUTH_CODE_MAX_LENGTH } from "@/lib/validation";
import type { SocialErrorCode } from "@/lib/social";
import { findCurrentSession } from "./current-session";
import { createAuthorizationUrl, exchangeCodeForProfile } from "./exchange";
import { linkSocialAccountToUser, signInOrLinkSocialAccount, type SocialSignInOutcome } from "./linking";
import { callbackUrl, type ProviderConfig } from "./providers";
import { checkOAuthState, createOAuthState, readOAuthIntent, type OAuthIntent } from "./state";

// The two ways in (docs/api.md, "Social login"): the browser redirect flow of the built-in
// pages, and the code exchange of external clients that ran PKCE themselves. Both end
// in the same linking rules and the same kind of session as a password login.

type Client = { userAgent: string | null; ip: string | null };

export type StartResult =
  | { ok: true; authorizationUrl: string; stateCookie: string }
  | { ok: false; code: "not_signed_in" | "email_not_verified"; errorPage: ErrorPage };

/** Step 1 of the browser flow: a fresh state and verifier, and where to send the browser. */
export async function startSocialLogin(input: {
  provider: ProviderConfig;
  next: string | null;
  intent: OAuthIntent;
  refreshToken: string | null;
}): Promise<StartResult> {
  const session = input.intent === "link" ? await findCurrentSession(input.refreshToken) : null;
  if (input.intent === "link" && !session) return { ok: false, code: "not_signed_in", errorPage: "/login/" };
  // Refused before the trip to the provider; linkSocialAccountToUser checks again.
  if (session && !(await getUserById(session.userId))?.emailVerified) {
    return { ok: false, code: "email_not_verified", errorPage: "/profile/" };
  }

  const { value, cookie } = createOAuthState({
    provider: input.provider.name,
    next: input.next,
    intent: input.intent,
    sessionId: session?.sessionId ?? null,
  });
  const url = createAuthorizationUrl({
    provider: input.provider,
    redirectUri: callbackUrl(input.provider.name),
    state: value.state,
    codeVerifier: value.codeVerifier,
  });
  return { ok: true, authorizationUrl: url.toString(), stateCookie: cookie };
}

/** Where a failed browser flow lands; see docs/decisions on link errors. */
export type ErrorPage = "/login/" | "/profile/";

export type CallbackResult =
  | { ok: true; kind: "signed_in"; grant: SessionGrant; next: string }
  /** A second factor is on: no session yet, the browser goes to the page that asks for the code. */
  | { ok: true; kind: "mfa_required"; mfaToken: string; methods: SecondFactorMethod[]; next: string }
  | { ok: true; kind: "linked"; next: string }
  | { ok: false; code: SocialErrorCode; errorPage: ErrorPage };

/** Step 2 of the browser flow: the provider sent the browser back with a code (or an error). */
export async function completeSocialCallback(input: {
  provider: ProviderConfig;
  query: { code: string | null; state: string | null; error: string | null };
  stateCookie: string | null;
  refreshToken: string | null;
  client: Client;
}): Promise<CallbackResult> {
  const fail = (code: SocialErrorCode, intent: OAuthIntent): CallbackResult => ({
    ok: false,
    code,
    // A signed-in user on /login/ is sent on to the profile, and the message with them:
    // link errors are shown where linking started. Not signed in is a login matter.
    errorPage: intent === "link" && code !== "not_signed_in" ? "/profile/" : "/login/",
  });

  // The user said no at the provider (or the provider failed): nothing to check or undo.
  if (input.query.error !== null) {
    const intent = readOAuthIntent(input.stateCookie);
    return fail(input.query.error === "access_denied" ? "access_denied" : "provider_error", intent);
  }

  const checked = checkOAuthState({ cookie: input.stateCookie, provider: input.provider.name, state: input.query.state });
  if (!checked.ok) return fail(checked.reason, checked.intent);
  const { intent, codeVerifier, next, sessionId } = checked.value;
  if (!input.query.code || input.query.code.length > OAUTH_CODE_MAX_LENGTH) return fail("provider_error", intent);

  // Linking acts for the session that started it, and only while it is still live.
  const session = intent === "link" ? await findCurrentSession(input.refreshToken) : null;
  if (intent === "link" && !session) return fail("not_signed_in", intent);
  // Another session's flow: a state cookie planted from the attacker's own browser.
  if (session && session.sessionId !== sessionId) return fail("state_mismatch", intent);

  const exchanged = await exchangeCodeForProfile({
    provider: input.provider,
    redirectUri: callbackUrl(input.provider.name),
    code: input.query.code,
    codeVerifier,
  });
  if (!exchanged.ok) return fail(exchanged.reason, intent);

  if (session) {
    const linked = await linkSocialAccountToUser({ userId: session.userId, provider: input.provider.name, profile: exchanged.profile, client: input.client });
    if (!linked.ok) return fail(linked.reason, intent);
    log.info("social account linked", { provider: input.provider.name, userId: session.userId, outcome: linked.outcome });
    return { ok: true, kind: "linked", next };
  }

  const signedIn = await signInOrLinkSocialAccount({ provider: input.provider.name, profile: exchanged.profile, client: input.client });
  if (!signedIn.ok) return fail(signedIn.reason, intent);
  const started = await completeSocialSignIn(input.provider, signedIn, input.client);
  if (!started.ok) return fail(started.reason, intent);
  return started.kind === "session"
    ? { ok: true, kind: "signed_in", grant: started.grant, next }
    : { ok: true, kind: "mfa_required", mfaToken: started.mfaToken, methods: started.methods, next };
}

export type CodeExchangeResult =
  | SignInResult
  | {
      ok: false;
      reason:
        | "redirect_uri_not_allowed"
        | "redirect_uri_required"
        | "exchange_failed"
        | "profile_failed"
        | "account_exists"
        | "email_required"
        | "provider_account_mismatch";
    };

/** The external client flow: a code and verifier from a client that ran PKCE itself. */
export async function signInWithAuthorizationCode(input: {
  provider: ProviderConfig;
  code: string;
  codeVerifier: string;
  /** Absent: the first of OAUTH_REDIRECT_URIS, as the seed's backend took it from its settings. */
  redirectUri: string | undefined;
  client: Client;
}): Promise<CodeExchangeResult> {
  const configured = getEnv().OAUTH_REDIRECT_URIS;
  const redirectUri = input.redirectUri ?? configured[0];
  if (redirectUri === undefined) return { ok: false, reason: "redirect_uri_required" };
  // Exact string comparison (RFC 9700 §4.1.3): no prefixes, no normalising.
  const allowed = [callbackUrl(input.provider.name), ...configured];
  if (!allowed.includes(redirectUri)) return { ok: false, reason: "redirect_uri_not_allowed" };

  const exchanged = await exchangeCodeForProfile({
    provider: input.provider,
    redirectUri,
    code: input.code,
    codeVerifier: input.codeVerifier,
  });
  if (!exchanged.ok) return exchanged;

  const signedIn = await signInOrLinkSocialAccount({ provider: input.provider.name, profile: exchanged.profile, client: input.client });
  // A disabled account answers as completeSignIn would have (403 account_disabled), nothing written.
  if (!signedIn.ok) return signedIn.reason === "account_disabled" ? { ok: false, reason: "account_disabled" } : signedIn;
  return completeSocialSignIn(input.provider, signedIn, input.client);
}

/**
 * The end of a social sign-in, in the one place every sign-in ends (lib/auth/sign-in.ts):
 * REQUIRE_VERIFIED_EMAIL holds here too (an account reached through a provider linked
 * under another address may still be unverified), and so does a second factor.
 */
async function completeSocialSignIn(
  provider: ProviderConfig,
  signedIn: { userId: number; outcome: SocialSignInOutcome },
  client: Client,
): Promise<SignInResult> {
  const user = await getUserById(signedIn.userId);
  // The linking transaction has just returned this id; a missing row is an impossible state.
  if (!user) throw new Error("user vanished after social sign-in");
  // A takeover is worth a line an operator can find: someone's password was removed.
  const level = signedIn.outcome === "took_over_unverified" ? "warn" : "info";
  log[level]("social sign-in", { provider: provider.name, userId: user.id, outcome: signedIn.outcome });
  return completeSignIn({ user, method: provider.name, client });
}
