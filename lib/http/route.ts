import "server-only";
import { randomUUID } from "node:crypto";
import { after, type NextRequest, type NextResponse } from "next/server";
import type { User } from "@/db/schema";
import { ClientGoneError, ServerBusyError } from "@/lib/auth/password";
import { consumeRateLimit, type PerIpLimit } from "@/lib/auth/rate-limit";
import { authenticateAccessToken } from "@/lib/auth/session";
import { deliverEmail } from "@/lib/email/send";
import { rateLimitKey } from "@/lib/ip";
import { log, withRequestContext } from "@/lib/log";
import { baseHeadersAreStamped, responseBaseHeaders } from "@/lib/security-headers";
import { detail, serverBusy, tooManyRequests, unauthorized } from "./answers";
import { bearerToken, clientIp, isCrossSite } from "./request";

// The wrapper every API route goes through, and the 405 of the methods a route lacks.

type RouteOptions = {
  /** The per-IP limit this route counts against (docs/security.md, abuse limits). */
  rateLimit?: PerIpLimit;
  /**
   * "bearer": the request needs an access token of a live session (401 in simplejwt's
   * words otherwise), and the handler gets its user and session.
   */
  auth?: "bearer";
  /**
   * "refuse": a cookie authenticates this route, so a cross-site request is refused with
   * 403 before the handler runs (docs/security.md, cross-site requests).
   */
  crossSite?: "refuse";
};

/** What a route with `auth: "bearer"` is handed: the token's user and its session. */
export type Authenticated = { user: User; sessionId: string };

type Handler<C, A> = (request: NextRequest, context: C, auth: A) => Promise<Response> | Response;

const crossSiteRefused = () => detail(403, "Cross-site request refused", "csrf_failed");

/**
 * The checks every route of a kind repeats, in one order: the per-IP limit, the
 * cross-site check, the Bearer token. Null to go on to the handler, or the refusal.
 */
async function routeChecks(options: RouteOptions, request: NextRequest): Promise<{ refused: Response } | { auth: Authenticated | null }> {
  const limited = options.rateLimit ? await consumeRateLimit(options.rateLimit, rateLimitKey(clientIp(request))) : null;
  if (limited) return { refused: tooManyRequests(limited.retryAfter) };
  if (options.crossSite === "refuse" && isCrossSite(request)) return { refused: crossSiteRefused() };
  if (options.auth !== "bearer") return { auth: null };
  const auth = await authenticateAccessToken(bearerToken(request));
  return auth.ok ? { auth: { user: auth.user, sessionId: auth.sessionId } } : { refused: unauthorized(auth.reason) };
}

/**
 * Every API route handler goes through this: a request id for the log, the per-IP
 * rate limit, the cross-site check and the Bearer token where the options ask for them,
 * `Cache-Control: no-store`, 503 when password hashing is saturated, and a bare 500
 * (cause logged, never sent) for anything unexpected.
 */
export function apiRoute<C>(
  options: RouteOptions & { auth: "bearer" },
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
