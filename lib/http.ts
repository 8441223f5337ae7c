import "server-only";
import { randomUUID } from "node:crypto";
import { after, NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import type { User } from "@/db/schema";
import { getEnv } from "./env";
import { log, withRequestContext } from "./log";
import { ClientGoneError, ServerBusyError } from "./auth/password";
import { deliverEmail } from "./email/send";
import { consumeRateLimit, type PerIpLimit } from "./auth/rate-limit";
import { authenticateAccessToken, type SessionSecondFactor } from "./auth/session";
import { checkAdminAccess, type AdminRefusal } from "./admin/access";
import { DEVICE_COOKIE_MAX_AGE_SECONDS, readDeviceToken, type DeviceClaim } from "./auth/device";
import type { SignInResult } from "./auth/sign-in";
import { toPublicUser } from "./auth/user";
import { forwardedAddress, rateLimitKey } from "./ip";
import { fieldErrorsFrom, type FieldErrors } from "./validation";
import { baseHeadersAreStamped, responseBaseHeaders } from "./security-headers";

// The only lib/ module that knows Request and Response: JSON bodies, DRF-shaped errors,
// the refresh cookie, the client's IP and origin, and the wrapper every API route uses.

export const MAX_BODY_BYTES = 16 * 1024;
export const REFRESH_COOKIE = "refresh_token";
// The narrowest path that covers refresh, logout and the social routes (docs/api.md).
export const REFRESH_COOKIE_PATH = "/api/auth/";

export function json(body: unknown, init: ResponseInit = {}): NextResponse {
  const response = NextResponse.json(body, init);
  if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "no-store");
  return response;
}

export const detail = (status: number, message: string, code?: string, init: ResponseInit = {}) =>
  json(code ? { detail: message, code } : { detail: message }, { ...init, status });

export const fieldErrors = (errors: FieldErrors) => json(errors, { status: 400 });

export const nonFieldError = (message: string) => json({ non_field_errors: [message] }, { status: 400 });

export const tooManyRequests = (retryAfterSeconds: number) =>
  detail(429, `Too many requests. Try again in ${retryAfterSeconds} seconds.`, undefined, {
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

type Parsed<T> = { ok: true; data: T } | { ok: false; response: NextResponse };

/**
 * Read a JSON body: 415 for another content type, 413 over 16 KiB, 400 for malformed
 * JSON. An empty body reads as `{}` so missing fields get field errors.
 */
export async function readJsonBody(request: Request): Promise<Parsed<unknown>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return { ok: false, response: detail(413, "Request body too large") };

  const bytes = await readLimited(request);
  if (bytes === "too_large") return { ok: false, response: detail(413, "Request body too large") };
  if (bytes.length === 0) return { ok: true, data: {} };

  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") {
    const shown = mediaType || "none";
    return { ok: false, response: detail(415, `Unsupported media type "${shown}" in request.`) };
  }
  try {
    return { ok: true, data: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false, response: detail(400, "Malformed JSON") };
  }
}

async function readLimited(request: Request): Promise<Uint8Array | "too_large"> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return "too_large";
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const typeName = (value: unknown) =>
  Array.isArray(value) ? "list" : value === null ? "null" : typeof value === "object" ? "dict" : typeof value;

/** Validate a parsed body against a schema; field errors in the DRF shape on failure. */
export function parseInput<S extends z.ZodType>(schema: S, body: unknown): Parsed<z.output<S>> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      response: nonFieldError(`Invalid data. Expected a dictionary, but got ${typeName(body)}.`),
    };
  }
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, response: fieldErrors(fieldErrorsFrom(result.error)) };
}

/** readJsonBody then parseInput. */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<Parsed<z.output<S>>> {
  const body = await readJsonBody(request);
  return body.ok ? parseInput(schema, body.data) : body;
}

/**
 * The client's address: the socket's (stamped by server.js, which overwrites any
 * header a client sends), or with TRUST_PROXY=N the Nth X-Forwarded-For entry from the
 * right: each of your N proxies appends the address it saw, so that entry is the one
 * the outermost proxy received the request from. Entries left of it are the client's
 * own words. With fewer entries than proxies, the leftmost is the best there is.
 */
export function clientIp(request: Request): string {
  const trustedHops = getEnv().TRUST_PROXY;
  if (trustedHops > 0) {
    const hops = (request.headers.get("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
    const hop = hops.at(-Math.min(trustedHops, hops.length));
    // Not an address: one shared key, never a fresh bucket per string (fails closed).
    if (hop) return forwardedAddress(hop) ?? "invalid-forwarded-address";
  }
  // Without server.js (plain `next start`) the header is the client's own word: every
  // client is then "unknown", one shared bucket, which fails closed (startup warns).
  return (isClientIpStamped() && request.headers.get(CLIENT_IP_HEADER)) || "unknown";
}

/** True when server.js runs this process and overwrites CLIENT_IP_HEADER on every request. */
export function isClientIpStamped(): boolean {
  return (globalThis as Record<symbol, unknown>)[Symbol.for("gatehouse.stampsClientIp")] === true;
}

/** Set by server.js from the TCP socket; any value a client sends is overwritten there. */
export const CLIENT_IP_HEADER = "x-gatehouse-client-ip";

export function userAgent(request: Request): string | null {
  return request.headers.get("user-agent")?.slice(0, 512) ?? null;
}

/** The origins allowed to make credentialed requests: the app's own and CORS_ALLOWED_ORIGINS. */
export function isTrustedOrigin(origin: string): boolean {
  const env = getEnv();
  return origin === new URL(env.APP_URL).origin || env.CORS_ALLOWED_ORIGINS.includes(origin);
}

/**
 * CSRF defence for requests that a cookie authenticates (docs/security.md, cross-site
 * requests): refuse a foreign Origin, or with no Origin a cross-site fetch.
 * Clients that are not browsers send neither header and pass.
 */
export function crossSiteRefusal(request: Request): NextResponse | null {
  const origin = request.headers.get("origin");
  if (origin !== null) {
    return isTrustedOrigin(origin) ? null : detail(403, "Cross-site request refused", "csrf_failed");
  }
  if (request.headers.get("sec-fetch-site") === "cross-site") {
    return detail(403, "Cross-site request refused", "csrf_failed");
  }
  return null;
}

export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : "";
}

const cookieBase = () => ({
  httpOnly: true,
  sameSite: "lax" as const,
  path: REFRESH_COOKIE_PATH,
  secure: getEnv().APP_URL.startsWith("https:"),
});

export function setRefreshCookie(response: NextResponse, token: string, maxAgeSeconds: number): NextResponse {
  response.cookies.set(REFRESH_COOKIE, token, { ...cookieBase(), maxAge: Math.max(0, Math.floor(maxAgeSeconds)) });
  return response;
}

/**
 * The device cookie of a sign-in (lib/auth/device.ts, docs/decisions/025): no credential,
 * only a sign that this browser proved itself for the account before. Same path and
 * attributes as the refresh cookie; it outlives logouts, as a known device should.
 */
export const DEVICE_COOKIE = "device_token";

/** The cookies a new session's answer carries: the refresh token and, for a sign-in, the device cookie. */
export function setSessionCookies<R extends NextResponse>(
  response: R,
  grant: { refresh?: { token: string; maxAgeSeconds: number }; deviceToken?: string },
): R {
  if (grant.refresh) setRefreshCookie(response, grant.refresh.token, grant.refresh.maxAgeSeconds);
  if (grant.deviceToken) response.cookies.set(DEVICE_COOKIE, grant.deviceToken, { ...cookieBase(), maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS });
  return response;
}

/** The device token a request's cookie carries, unchecked: lib/auth checks it against its account. */
export function deviceClaim(request: NextRequest): DeviceClaim | null {
  return readDeviceToken(request.cookies.get(DEVICE_COOKIE)?.value);
}

export function clearRefreshCookie(response: NextResponse): NextResponse {
  response.cookies.set(REFRESH_COOKIE, "", { ...cookieBase(), maxAge: 0 });
  return response;
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

type RouteOptions = {
  /** The per-IP limit this route counts against (docs/security.md, abuse limits). */
  rateLimit?: PerIpLimit;
  /**
   * "bearer": the request needs an access token of a live session (401 in simplejwt's
   * words otherwise), and the handler gets its user and session. "admin": that, and an
   * administrator whose session used a second factor, signed in recently for a change
   * (lib/admin/access.ts; 403 otherwise).
   */
  auth?: "bearer" | "admin";
  /**
   * "refuse": a cookie authenticates this route, so a cross-site request is refused with
   * 403 before the handler runs (docs/security.md, cross-site requests).
   */
  crossSite?: "refuse";
};

/** What a route with `auth: "bearer"` is handed: the token's user and its session. */
export type Authenticated = { user: User; sessionId: string; secondFactor: SessionSecondFactor };

type Handler<C, A> = (request: NextRequest, context: C, auth: A) => Promise<Response> | Response;

/**
 * The checks every route of a kind repeats, in one order: the per-IP limit, the
 * cross-site check, the Bearer token. Null to go on to the handler, or the refusal.
 */
async function routeChecks(options: RouteOptions, request: NextRequest): Promise<{ refused: Response } | { auth: Authenticated | null }> {
  const limited = options.rateLimit ? await consumeRateLimit(options.rateLimit, rateLimitKey(clientIp(request))) : null;
  if (limited) return { refused: tooManyRequests(limited.retryAfter) };
  const crossSite = options.crossSite === "refuse" ? crossSiteRefusal(request) : null;
  if (crossSite) return { refused: crossSite };
  if (options.auth === undefined) return { auth: null };
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return { refused: unauthorized(auth.reason) };
  const authenticated = { user: auth.user, sessionId: auth.sessionId, secondFactor: auth.secondFactor };
  if (options.auth === "admin") {
    const access = await checkAdminAccess(authenticated, { change: request.method !== "GET" && request.method !== "HEAD" });
    if (!access.ok) return { refused: adminRefusal(access.reason) };
  }
  return { auth: authenticated };
}

/** Why an administrator request was refused (docs/api.md, administration), in words. */
function adminRefusal(reason: AdminRefusal): NextResponse {
  switch (reason) {
    case "not_admin":
      return detail(403, "You do not have permission to perform this action.");
    case "second_factor_required":
      return detail(
        403,
        "Administration needs a sign-in with a second factor: turn on two-step verification or add a passkey on your profile, then sign in again with it.",
        "admin_requires_second_factor",
      );
    case "reauthentication_required":
      return reauthenticationRequired();
  }
}

export const serverBusy = (retryAfterSeconds: number) =>
  detail(503, `Server busy. Try again in ${retryAfterSeconds} seconds.`, undefined, {
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

/**
 * Every API route handler goes through this: a request id for the log, the per-IP
 * rate limit, the cross-site check and the Bearer token where the options ask for them,
 * `Cache-Control: no-store`, 503 when password hashing is saturated, and a bare 500
 * (cause logged, never sent) for anything unexpected.
 */
export function apiRoute<C>(
  options: RouteOptions & { auth: "bearer" | "admin" },
  handler: Handler<C, Authenticated>,
): (request: NextRequest, context: C) => Promise<Response>;
export function apiRoute<C>(options: RouteOptions, handler: Handler<C, null>): (request: NextRequest, context: C) => Promise<Response>;
export function apiRoute<C>(
  options: RouteOptions,
  handler: Handler<C, Authenticated> | Handler<C, null>,
): (request: NextRequest, context: C) => Promise<Response> {
  // Sound by the overloads: `auth: "bearer"` is what makes routeChecks hand a user over.
  const run = handler as Handler<C, Authenticated | null>;
  return (request, context) => {
    const requestId = randomUUID();
    return withRequestContext(requestId, async () => {
      const started = performance.now();
      let response: Response;
      try {
        const checked = await routeChecks(options, request);
        response = "refused" in checked ? checked.refused : await run(request, context, checked.auth);
      } catch (error) {
        const where = { method: request.method, path: request.nextUrl.pathname };
        if (error instanceof ServerBusyError) {
          log.warnBurst("password hashing saturated: answered 503", { ...where, bound: error.bound, retryAfter: error.retryAfter });
          response = serverBusy(error.retryAfter);
        } else if (error instanceof ClientGoneError) {
          log.info("client left before its password was checked", where);
          response = serverBusy(1);
        } else {
          log.error("unhandled error", { error, ...where });
          response = detail(500, "Internal server error");
        }
      }
      if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "no-store");
      response.headers.set("X-Request-Id", requestId);
      withBaseHeaders(request, response);
      log.info("request", {
        method: request.method,
        path: request.nextUrl.pathname,
        status: response.status,
        ms: Math.round(performance.now() - started),
      });
      return response;
    }, request.signal);
  };
}

/**
 * Deliver a queued email once the response is sent, so its latency (or failure) neither
 * delays the answer nor tells anyone which path a request took. Null (nothing queued,
 * or the address's hourly cap spent) sends nothing.
 */
export function deliverAfterResponse(emailId: number | null): void {
  if (emailId !== null) after(() => deliverEmail(emailId));
}

/** 401 in simplejwt's words: no credentials, or credentials that are no good. */
export function unauthorized(reason: "missing" | "invalid"): NextResponse {
  const headers = { "WWW-Authenticate": 'Bearer realm="api"' };
  return reason === "missing"
    ? detail(401, "Authentication credentials were not provided.", undefined, { headers })
    : detail(401, "Given token not valid for any token type", "token_not_valid", { headers });
}

/**
 * The answer of every route where a sign-in completes (lib/auth/sign-in.ts): the login
 * body with the refresh cookie, the `mfa_required` body (no token, no cookie), or 403.
 */
export function signInResponse(result: Exclude<SignInResult, { reason: "credentials_changed" }>): NextResponse {
  if (!result.ok) {
    return result.reason === "account_disabled"
      ? detail(403, "This account is disabled.", "account_disabled")
      : detail(403, "Email not verified", "email_not_verified");
  }
  if (result.kind === "mfa_required") return json({ mfa_required: true, mfa_token: result.mfaToken, methods: result.methods });
  return sessionResponse({ access: result.grant.access, user: toPublicUser(result.user) }, result.grant);
}

/** The login body (docs/api.md) with the refresh cookie. */
export function sessionResponse(
  body: Record<string, unknown>,
  grant: { refresh?: { token: string; maxAgeSeconds: number }; deviceToken?: string },
  init: ResponseInit = {},
): NextResponse {
  return setSessionCookies(json(body, init), grant);
}

/**
 * The security and CORS headers, when server.js has not set them already (plain
 * `next start`): every API response carries them either way (docs/security.md).
 */
function withBaseHeaders<R extends Response>(request: NextRequest, response: R): R {
  if (baseHeadersAreStamped()) return response;
  const headers = responseBaseHeaders(request.nextUrl.pathname, request.headers.get("origin"));
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

type MethodHandler = (request: NextRequest) => NextResponse;

/**
 * Handlers answering 405 with an `Allow` header (docs/api.md conventions) for the methods a
 * route does not serve; Next's own 405 carries neither header nor body. A route file
 * destructures the ones it lacks: `export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST")`.
 */
export function methodNotAllowed(...allowed: string[]): Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", MethodHandler> {
  const allow = [...allowed, "OPTIONS"].join(", ");
  const handler: MethodHandler = (request) =>
    withBaseHeaders(request, detail(405, `Method "${request.method}" not allowed.`, undefined, { headers: { Allow: allow } }));
  return { GET: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler };
}

/**
 * 403 for a sensitive change from a session whose sign-in is older than REAUTH_MAX_AGE
 * (docs/security.md, account ownership): the client re-authenticates
 * (POST /api/auth/reauthenticate/) and tries again.
 */
export const reauthenticationRequired = () =>
  detail(403, "Confirm it is you: enter your password or a code again.", "reauthentication_required");

/**
 * A second factor or a passkey is added only to an account whose address is proven: a
 * squatter's passkey (which signs in alone) must not wait for the owner's claim
 * (docs/security.md, account ownership). The claim removes any that exist anyway.
 */
export const secondFactorNeedsVerifiedEmail = () =>
  detail(403, "Confirm your email address first: two-step verification and passkeys come after it.", "email_not_verified");

/** Who is at the other end, for the security activity. */
export const requestClient = (request: Request) => ({ ip: clientIp(request), userAgent: userAgent(request) });

/** A refused second-factor code (docs/api.md): `{"code": ["Invalid code"]}`, or 429 once the account is locked. */
export const codeRefusal = (result: { reason: "invalid_code" } | { reason: "locked"; retryAfter: number }) =>
  result.reason === "locked" ? tooManyRequests(result.retryAfter) : fieldErrors({ code: ["Invalid code"] });

/** 400 for an action on a second factor that is not on (or not set up). */
export const secondFactorOff = (message: string, code: "totp_not_enabled" | "totp_not_set_up") => detail(400, message, code);

/** The administrator behind a request with `auth: "admin"`, as the audit records them. */
export const adminActor = (request: Request, auth: Authenticated) =>
  ({ kind: "admin", id: auth.user.id, email: auth.user.email, ip: clientIp(request) }) as const;

/** 409 for a change that would leave no administrator who can act (lib/admin/roles.ts). */
export const lastAdmin = () =>
  detail(409, "This is the last administrator: make someone else an administrator first.", "last_admin");

/** 404 in DRF's words, for an id that names nothing. */
export const notFound = () => detail(404, "Not found.");
