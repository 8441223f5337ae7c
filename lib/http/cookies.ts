import "server-only";
import type { NextRequest, NextResponse } from "next/server";
import { getEnv } from "@/lib/env";

// The cookies of the API (docs/api.md, docs/security.md): the refresh token, the device
// cookie, and the state of a social sign-in in the browser. All HttpOnly, SameSite=Lax
// (each must ride a top-level navigation back from the provider), Secure when APP_URL is
// https, and scoped to the narrowest path that covers the routes that read them.

export const REFRESH_COOKIE = "refresh_token";
/** Refresh, logout and the social routes (docs/api.md). */
export const REFRESH_COOKIE_PATH = "/api/auth/";

/**
 * A sign that this browser signed in to an account before (lib/auth/device.ts,
 * docs/decisions/025): no credential. The refresh cookie's path; it outlives logouts.
 */
export const DEVICE_COOKIE = "device_token";

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

export const setRefreshCookie = (response: NextResponse, token: string, maxAgeSeconds: number) =>
  setCookie(response, REFRESH_COOKIE, token, REFRESH_COOKIE_PATH, maxAgeSeconds);

export const clearRefreshCookie = (response: NextResponse) => setCookie(response, REFRESH_COOKIE, "", REFRESH_COOKIE_PATH, 0);

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
