import "server-only";
import { NextResponse } from "next/server";
import { getEnv } from "@/lib/env";
import { setSessionCookies } from "@/lib/http";
import type { SessionGrant } from "@/lib/auth/session";
import type { SocialErrorCode } from "@/lib/social";
import { OAUTH_STATE_COOKIE, OAUTH_STATE_COOKIE_PATH, OAUTH_STATE_TTL_SECONDS } from "./state";

// The browser flow answers with redirects that carry the state cookie; this is the
// social routes' extension of lib/http.ts, kept beside the flow so that the cookie's
// name, path and lifetime are written down once, next to the code that reads them.

const stateCookieOptions = (maxAge: number) => ({
  httpOnly: true,
  // Lax: the browser must send it on the provider's top-level redirect back to us.
  sameSite: "lax" as const,
  path: OAUTH_STATE_COOKIE_PATH,
  secure: getEnv().APP_URL.startsWith("https:"),
  maxAge,
});

/** 302 to `location` (a path on this app, or the provider's URL). */
function found(location: string): NextResponse {
  const response = NextResponse.redirect(new URL(location, getEnv().APP_URL), 302);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

/** Start: off to the provider, with the state cookie. */
export function redirectToProvider(authorizationUrl: string, stateCookie: string): NextResponse {
  const response = found(authorizationUrl);
  response.cookies.set(OAUTH_STATE_COOKIE, stateCookie, stateCookieOptions(OAUTH_STATE_TTL_SECONDS));
  return response;
}

/** A failed browser flow: to the page that explains `?error=` in words. The state cookie goes. */
export function redirectWithError(page: "/login/" | "/profile/", code: SocialErrorCode): NextResponse {
  return clearStateCookie(found(`${page}?error=${encodeURIComponent(code)}`));
}

/** A finished browser flow: to `next`, with a new session's refresh cookie if one was started. */
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

/** Every callback deletes the state cookie, whatever happens: it is single use. */
export function clearStateCookie(response: NextResponse): NextResponse {
  response.cookies.set(OAUTH_STATE_COOKIE, "", stateCookieOptions(0));
  return response;
}
