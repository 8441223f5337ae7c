import "server-only";
import type { NextResponse } from "next/server";
import type { SessionGrant } from "@/lib/auth/session";
import type { SignInResult } from "@/lib/auth/sign-in";
import { toPublicUser } from "@/lib/auth/user";
import { detail, json } from "@/lib/http/answers";
import { setRefreshCookie } from "@/lib/http/cookies";

// The answers of the routes where a sign-in completes (lib/auth/sign-in.ts): password
// login, the second step, a passkey, the external client's code exchange.

/** The login body with the refresh cookie, the `mfa_required` body (no token, no cookie), or 403. */
export function signInResponse(result: SignInResult): NextResponse {
  if (!result.ok) return detail(403, "Email not verified", "email_not_verified");
  if (result.kind === "mfa_required") return json({ mfa_required: true, mfa_token: result.mfaToken, methods: result.methods });
  return sessionResponse({ access: result.grant.access, user: toPublicUser(result.user) }, result.grant);
}

/** A body that starts or continues a session (docs/api.md), with the refresh cookie when there is a new one. */
export function sessionResponse(body: Record<string, unknown>, grant: Pick<SessionGrant, "refresh">, init: ResponseInit = {}): NextResponse {
  const response = json(body, init);
  return grant.refresh ? setRefreshCookie(response, grant.refresh.token, grant.refresh.maxAgeSeconds) : response;
}
