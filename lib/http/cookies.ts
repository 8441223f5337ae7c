import "server-only";
import type { NextRequest, NextResponse } from "next/server";
import { getEnv } from "@/lib/env";

// The cookies of the API (docs/api.md, docs/security.md): the refresh token, the device
// cookie, and the state of a social sign-in in the browser. All HttpOnly, SameSite=Lax
// (each must ride a top-level navigation back from the provider), Secure when APP_URL is
// https, and scoped to the narrowest path that covers the routes that read them. Beside
// the refresh cookie, the pages' session hint, the one cookie scripts may read.

export const REFRESH_COOKIE = "refresh_token";
/** Refresh, logout and the social routes (docs/api.md). */
export const REFRESH_COOKIE_PATH = "/api/auth/";

/**
 * A sign that this browser signed in to an account before (lib/auth/device.ts,
 * docs/decisions/025): no credential. The refresh cookie's path; it outlives logouts.
 */
export const DEVICE_COOKIE = "device_token";

/**
 * Beside the refresh cookie, a hint the pages can read: "this browser has a session", so a
 * signed-out page does not ask for a refresh it knows will fail (docs/decisions/036). Not
 * a secret and never a credential (nothing on the server reads it): set and cleared with
 * the refresh cookie, as long-lived, and a wrong one costs one refresh call that corrects it.
 */
export const SESSION_HINT_COOKIE = "has_session";

export const STATE_COOKIE = "oauth_state";
export const STATE_COOKIE_PATH = "/api/auth/social/";

function setCookie(response: NextResponse, name: string, value: string, path: string, maxAgeSeconds: number): NextResponse {
  response.cookies.set(name, value, {
    httpOnly: true,
    sameSite: "lax",
    path,
    secure: getEnv().APP_URL.startsWith("https:"),
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  });
  return response;
}

function setSessionHint(response: NextResponse, maxAgeSeconds: number): NextResponse {
  response.cookies.set(SESSION_HINT_COOKIE, maxAgeSeconds > 0 ? "1" : "", {
    sameSite: "lax",
    path: "/",
    secure: getEnv().APP_URL.startsWith("https:"),
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  });
  return response;
}

/** The refresh cookie, and the session hint with the same lifetime. */
export const setRefreshCookie = (response: NextResponse, token: string, maxAgeSeconds: number) =>
  setSessionHint(setCookie(response, REFRESH_COOKIE, token, REFRESH_COOKIE_PATH, maxAgeSeconds), maxAgeSeconds);

/** Both deleted: the refresh cookie and the session hint. */
export const clearRefreshCookie = (response: NextResponse) => setSessionHint(setCookie(response, REFRESH_COOKIE, "", REFRESH_COOKIE_PATH, 0), 0);

/** The Set-Cookie values that delete both, for answers not built as a NextResponse (the OpenID provider's). */
export function clearedRefreshCookieHeaders(): string[] {
  const secure = getEnv().APP_URL.startsWith("https:") ? "; Secure" : "";
  return [
    `${REFRESH_COOKIE}=; Path=${REFRESH_COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${secure}`,
    `${SESSION_HINT_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax${secure}`,
  ];
}

export function refreshCookie(request: NextRequest): string | null {
  // The first one sent, not Next's pick (the last): a browser that moved in from the seed's
  // Django system on the same host may still hold its `refresh_token` on Path=/, and sends
  // ours (Path=/api/auth/, the longer path) before it (RFC 6265 §5.4).
  for (const pair of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && pair.slice(0, eq).trim() === REFRESH_COOKIE) return pair.slice(eq + 1).trim() || null;
  }
  return null;
}

export const setDeviceCookie = (response: NextResponse, token: string, maxAgeSeconds: number) =>
  setCookie(response, DEVICE_COOKIE, token, REFRESH_COOKIE_PATH, maxAgeSeconds);

export const deviceCookie = (request: NextRequest): string | null => request.cookies.get(DEVICE_COOKIE)?.value ?? null;

export const setStateCookie = (response: NextResponse, value: string, maxAgeSeconds: number) =>
  setCookie(response, STATE_COOKIE, value, STATE_COOKIE_PATH, maxAgeSeconds);

export const clearStateCookie = (response: NextResponse) => setCookie(response, STATE_COOKIE, "", STATE_COOKIE_PATH, 0);

export const stateCookie = (request: NextRequest): string | null => request.cookies.get(STATE_COOKIE)?.value ?? null;
