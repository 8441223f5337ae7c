import "server-only";
import type { NextRequest, NextResponse } from "next/server";
import { DEVICE_COOKIE_MAX_AGE_SECONDS, readDeviceToken, type DeviceClaim } from "@/lib/auth/device";
import type { SessionGrant } from "@/lib/auth/session";
import type { SignInResult } from "@/lib/auth/sign-in";
import { toPublicUser } from "@/lib/auth/user";
import { LoginResponseSchema, MfaRequiredSchema } from "@/lib/api-schemas";
import { answer, detail, detailAnswer, json } from "@/lib/http/answers";
import { deviceCookie, setDeviceCookie, setRefreshCookie } from "@/lib/http/cookies";

// The answers of the routes where a sign-in completes (lib/auth/sign-in.ts): password
// login, the second step, a passkey, the external client's code exchange.

/** A session, or the second step still owed (signInResponse). */
export const SIGNED_IN = answer(
  200,
  'The access token and the user, the refresh token in the cookie; or, when a second factor is still owed, `{"mfa_required": true, "mfa_token": ..., "methods": [...], "detail": "Enter the code from your authenticator app to finish signing in."}` with neither.',
  [LoginResponseSchema, MfaRequiredSchema],
  ["Set-Cookie"],
);

/** A session: the login body and its cookie (the second step, a passkey: nothing more is owed). */
export const SESSION_STARTED = answer(200, "The login body; the refresh token is in the cookie.", LoginResponseSchema, ["Set-Cookie"]);

/** signInResponse's 403: what completeSignIn refuses once the first step has passed (lib/auth/sign-in.ts). */
export const SIGN_IN_REFUSED = detailAnswer(
  403,
  '`REQUIRE_VERIFIED_EMAIL=true` and the address is unverified: `{"detail": "Email not verified", "code": "email_not_verified"}`; or the account is disabled (said only after the right password, passkey or code): `{"detail": "This account is disabled.", "code": "account_disabled"}`.',
);

/** What a client that knows no second step can show of the `mfa_required` body (docs/api.md). */
export const MFA_REQUIRED_DETAIL = "Enter the code from your authenticator app to finish signing in.";

/** The login body with its cookies, the `mfa_required` body (no token, no cookie), or 403 (unverified or disabled). */
export function signInResponse(result: Exclude<SignInResult, { reason: "credentials_changed" }>): NextResponse {
  if (!result.ok) {
    return result.reason === "account_disabled"
      ? detail(403, "This account is disabled.", "account_disabled")
      : detail(403, "Email not verified", "email_not_verified");
  }
  if (result.kind === "mfa_required") {
    return json({ mfa_required: true, mfa_token: result.mfaToken, methods: result.methods, detail: MFA_REQUIRED_DETAIL });
  }
  return sessionResponse({ access: result.grant.access, user: toPublicUser(result.user) }, result.grant);
}

/** A body that starts or continues a session (docs/api.md), with the cookies of a new one. */
export function sessionResponse(body: Record<string, unknown>, grant: Pick<SessionGrant, "refresh" | "deviceToken">, init: ResponseInit = {}): NextResponse {
  return setSessionCookies(json(body, init), grant);
}

/** The cookies a new session's answer carries: the refresh token and, for a sign-in, the device cookie. */
export function setSessionCookies<R extends NextResponse>(response: R, grant: Pick<SessionGrant, "refresh" | "deviceToken">): R {
  if (grant.refresh) setRefreshCookie(response, grant.refresh.token, grant.refresh.maxAgeSeconds);
  if (grant.deviceToken) setDeviceCookie(response, grant.deviceToken, DEVICE_COOKIE_MAX_AGE_SECONDS);
  return response;
}

/** The device token a request's cookie carries, unchecked: lib/auth checks it against its account. */
export function deviceClaim(request: NextRequest): DeviceClaim | null {
  return readDeviceToken(deviceCookie(request));
}
