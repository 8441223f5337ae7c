import "server-only";
import { NextResponse } from "next/server";
import { z } from "zod";
import { OAUTH_STATE_TTL_SECONDS } from "@/lib/auth/oauth/state";
import type { SessionGrant } from "@/lib/auth/session";
import { getEnv } from "@/lib/env";
import { detail, detailAnswer } from "@/lib/http/answers";
import { clearStateCookie, setStateCookie } from "@/lib/http/cookies";
import { SOCIAL_PROVIDERS, type SocialErrorCode } from "@/lib/social";
import { setSessionCookies } from "./sign-in";

// The browser flow of social sign-in answers with redirects (docs/social-login.md): to the
// provider with the state cookie, then back to a page of this app, the state cookie
// deleted whatever happened (it is single use).

/** The `{provider}` of the social routes' paths. */
export const PROVIDER = { description: "A configured provider.", schema: z.enum(SOCIAL_PROVIDERS) };

export const unsupportedProvider = () => detail(404, "Unsupported provider");

export const UNSUPPORTED_PROVIDER = detailAnswer(404, '`{"detail": "Unsupported provider"}`: unknown or not configured.');

/** 302 to `location` (a path on this app, or the provider's URL). */
function found(location: string): NextResponse {
  const response = NextResponse.redirect(new URL(location, getEnv().APP_URL), 302);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

/** Start: off to the provider, with the state cookie. */
export function redirectToProvider(authorizationUrl: string, state: string): NextResponse {
  return setStateCookie(found(authorizationUrl), state, OAUTH_STATE_TTL_SECONDS);
}

/** A failed browser flow: to the page that explains `?error=` in words. The state cookie goes. */
export function redirectWithError(page: "/login/" | "/profile/", code: SocialErrorCode): NextResponse {
  return clearStateCookie(found(`${page}?error=${encodeURIComponent(code)}`));
}

/** A finished browser flow: to `next`, with a new session's cookies if one was started. */
export function redirectAfterSignIn(next: string, grant: SessionGrant | null): NextResponse {
  const response = clearStateCookie(found(next));
  return grant ? setSessionCookies(response, grant) : response;
}

/**
 * A user with a second factor on: no session yet; to the page that asks for the code.
 * The mfa token rides in the fragment, which the browser sends to no server and puts in
 * no Referer, so it is in no access log; the page reads it and drops it from the URL.
 */
export function redirectToSecondStep(next: string, mfaToken: string, methods: readonly string[]): NextResponse {
  const fragment = new URLSearchParams({ mfa_token: mfaToken, methods: methods.join(",") });
  return clearStateCookie(found(`/login/two-step/?next=${encodeURIComponent(next)}#${fragment}`));
}
