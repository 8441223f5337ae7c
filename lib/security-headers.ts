import "server-only";
import { getEnv } from "./env";

// Response headers of docs/security.md (headers, CORS). Pure functions of the request path
// and origin, so they can be tested without a server: server.js sets responseBaseHeaders on
// every response before Next answers, proxy.ts adds the page headers and answers preflights.

/** Pages that carry a token in their URL must not leak it through Referer. */
const TOKEN_PAGES = ["/verify-email/", "/reset-password/", "/email-change/cancel/"];

/** The HTML part of a development-mailbox message: framed by its own page, no scripts. */
const MAIL_PREVIEW = /^\/dev\/mail\/\d+\/html\/$/;
const MAIL_PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

export function pageSecurityHeaders(input: { pathname: string; nonce: string; dev: boolean }): Record<string, string> {
  const https = getEnv().APP_URL.startsWith("https:");
  if (MAIL_PREVIEW.test(input.pathname)) {
    return { "Content-Security-Policy": MAIL_PREVIEW_CSP, "Referrer-Policy": "no-referrer" };
  }
  const csp = [
    "default-src 'self'",
    // 'strict-dynamic' lets the nonce-bearing bootstrap load Next's chunks; no eval in
    // production (React only needs it in development for its error overlay).
    `script-src 'self' 'nonce-${input.nonce}' 'strict-dynamic'${input.dev ? " 'unsafe-eval'" : ""}`,
    // In development only, Next's error overlay injects styles that carry no nonce; a
    // nonce would make browsers ignore 'unsafe-inline', so dev drops the nonce for styles.
    input.dev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${input.nonce}'`,
    "img-src 'self' data: https:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
  const headers: Record<string, string> = {
    "Content-Security-Policy": csp,
    "Referrer-Policy": TOKEN_PAGES.some((p) => input.pathname.startsWith(p))
      ? "no-referrer"
      : "strict-origin-when-cross-origin",
  };
  if (https) headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
  return headers;
}

/** Headers every response gets, API included. */
export function commonSecurityHeaders(pathname = ""): Record<string, string> {
  const headers: Record<string, string> = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": MAIL_PREVIEW.test(pathname) ? "SAMEORIGIN" : "DENY",
  };
  if (getEnv().APP_URL.startsWith("https:")) headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
  return headers;
}

/**
 * CORS for external web clients: only origins listed in CORS_ALLOWED_ORIGINS, echoed
 * one at a time with credentials; never `*`, never an arbitrary origin.
 */
export function corsHeaders(origin: string | null): Record<string, string> | null {
  if (!origin || !getEnv().CORS_ALLOWED_ORIGINS.includes(origin)) return null;
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "Retry-After, X-Request-Id, Link",
    Vary: "Origin",
  };
}

export const CORS_PREFLIGHT_HEADERS = {
  "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type",
  "Access-Control-Max-Age": "600",
};

/** The API's paths: JSON answers, no CSP, CORS for listed origins. */
export const isApiPath = (pathname: string) => pathname.startsWith("/api/") || pathname.startsWith("/.well-known/");

/**
 * What every response carries whoever answers it (a route, a page, Next's own 308
 * trailing-slash redirect or 404): the common headers, and on the API, CORS for a listed
 * origin. server.js sets these before Next runs; see registerResponseBaseHeaders.
 */
export function responseBaseHeaders(url: string, origin: string | null): Record<string, string> {
  const pathname = url.split("?")[0]!;
  const common = commonSecurityHeaders(pathname);
  const cors = isApiPath(pathname) ? corsHeaders(origin) : null;
  return cors ? { ...common, ...cors } : common;
}

const BASE_HEADERS_HOOK = Symbol.for("gatehouse.responseBaseHeaders");

/** Hand responseBaseHeaders to server.js, which calls it for each request (lib/startup.ts). */
export function registerResponseBaseHeaders(): void {
  (globalThis as Record<symbol, unknown>)[BASE_HEADERS_HOOK] = responseBaseHeaders;
}

/**
 * True when server.js sets the base headers on every response. Under plain `next start`
 * it does not, and apiRoute sets them on its own responses instead (not both: Next
 * appends a route's headers to those already set, which would repeat them).
 */
export function baseHeadersAreStamped(): boolean {
  return (globalThis as Record<symbol, unknown>)[Symbol.for("gatehouse.stampsBaseHeaders")] === true
    && typeof (globalThis as Record<symbol, unknown>)[BASE_HEADERS_HOOK] === "function";
}
