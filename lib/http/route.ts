import "server-only";
import { randomUUID } from "node:crypto";
import { after, type NextRequest, type NextResponse } from "next/server";
import type { z } from "zod";
import type { User } from "@/db/schema";
import type { Client } from "@/lib/auth/activity";
import { ClientGoneError, ServerBusyError } from "@/lib/auth/password";
import { consumeRateLimit, LIMITS, type PerIpLimit } from "@/lib/auth/rate-limit";
import { checkAdminAccess } from "@/lib/admin/access";
import { authenticateAccessToken } from "@/lib/auth/session";
import { collectAfterCommit, type AfterCommitTask } from "@/lib/after-commit";
import { envDefault, runMode } from "@/lib/env";
import { rateLimitKey } from "@/lib/ip";
import { log, withRequestContext } from "@/lib/log";
import { baseHeadersAreStamped, responseBaseHeaders } from "@/lib/security-headers";
import { detail, detailAnswer, serverBusy, tooManyRequests, unauthorized, type Answer } from "./answers";
import { BODY_ANSWERS, parseJsonBody } from "./body";
import { ADMIN_REFUSED, adminRefusal } from "./refusals";
import { bearerToken, clientIp, isCrossSite, requestClient } from "./request";

// The wrapper every API route goes through. A route states its contract once, here:
// what it is, its limit, its credentials, its body and parameters, and each answer it
// gives. apiRoute enforces what it can (the limit, the cross-site check, the Bearer
// token, the body), adds the answers those imply, checks in development and tests that
// the handler answered as declared, and carries the declaration, from which
// lib/openapi.ts writes the API's document.

export type Tag = "Accounts" | "Sessions" | "Passwords" | "Second factor" | "Social login" | "Administration" | "Service";

/** A path or query parameter, as the document describes it. */
export type Parameter = { description: string; schema: z.ZodType };

export type RouteContract = {
  tag: Tag;
  summary: string;
  description?: string;
  /** The per-IP limit this route counts against (docs/security.md, abuse limits): 429 past it. */
  rateLimit?: PerIpLimit;
  /** The route also answers 429 while the account is locked after wrong secrets: after what, in words. */
  accountLockout?: string;
  /**
   * "bearer": an access token of a live session is needed (401 in simplejwt's words
   * otherwise) and the handler gets its user and session. "optionalBearer": with a token,
   * the same, and the body is not read; without one, the body. "admin": as "bearer", and
   * an administrator whose session used a second factor at sign-in and, for a change
   * (any method but GET and HEAD), signed in recently (lib/admin/access.ts; 403 in
   * DRF's words otherwise). "refreshCookie" and "stateCookie": the handler reads that
   * cookie itself; said for the document.
   */
  auth?: "bearer" | "optionalBearer" | "admin" | "refreshCookie" | "stateCookie";
  /**
   * "refuse": a cookie authenticates this route, so a cross-site request is refused with
   * 403 before the handler runs (docs/security.md, cross-site requests).
   */
  crossSite?: "refuse";
  /** The JSON body, parsed before the handler runs: 400, 413 or 415 otherwise (lib/http/body.ts). */
  body?: z.ZodType;
  /** Hashes or verifies a password: 503 with Retry-After when the hashing line is full. */
  hashesPasswords?: true;
  params?: Record<string, Parameter>;
  query?: Record<string, Parameter>;
  /** What the route itself answers; the ones its options imply are added. */
  answers: readonly Answer[];
};

/** What a route with `auth: "bearer"` (or "admin") is handed: the token's user and its session. */
export type Authenticated = { user: User; sessionId: string };

type BodyOf<C extends RouteContract> = C["body"] extends z.ZodType ? z.output<C["body"]> : undefined;
type Strings<R> = { [K in keyof R]: string };
type ParamsOf<C extends RouteContract> = C["params"] extends Record<string, Parameter> ? Strings<C["params"]> : Record<string, never>;
type QueryOf<C extends RouteContract> = { [K in keyof C["query"]]: string | null };

type Credentials<C extends RouteContract> = C["auth"] extends "bearer" | "admin"
  ? { auth: Authenticated; body: BodyOf<C> }
  : C["auth"] extends "optionalBearer"
    ? { auth: Authenticated; body: undefined } | { auth: null; body: BodyOf<C> }
    : { auth: null; body: BodyOf<C> };

/** What a handler is handed: the request, and what apiRoute has read and checked of it. */
export type RouteInput<C extends RouteContract> = {
  request: NextRequest;
  params: ParamsOf<C>;
  query: QueryOf<C>;
  /** Who is at the other end, for the security activity. */
  client: Client;
} & Credentials<C>;

/** A route's contract with every answer it gives, implied ones included: what the document shows. */
export type Declaration = RouteContract & { answers: readonly Answer[] };

export type RouteHandler<P> = ((request: NextRequest, context: { params: Promise<P> }) => Promise<Response>) & {
  readonly declaration: Declaration;
};

const INTERNAL_ERROR = detailAnswer(500, '`{"detail": "Internal server error"}`; the cause is logged with the request id.');

const BEARER = detailAnswer(
  401,
  'No token: `{"detail": "Authentication credentials were not provided."}`; a bad, expired or revoked one: `{"detail": "Given token not valid for any token type", "code": "token_not_valid"}`.',
  ["WWW-Authenticate"],
);

const CROSS_SITE = detailAnswer(403, 'A foreign `Origin` (or `Sec-Fetch-Site: cross-site`): `{"detail": "Cross-site request refused", "code": "csrf_failed"}`.');

const BUSY = detailAnswer(503, 'The password-hashing queue is full or the wait too long: `{"detail": "Server busy. Try again in N seconds."}`.', ["Retry-After"]);

const period = (seconds: number) => (seconds === 60 ? "minute" : seconds === 3600 ? "hour" : `${seconds} seconds`);

/** The 429 of a per-IP limit, in the numbers the limiter counts with (lib/auth/rate-limit.ts LIMITS). */
function limitAnswer(name: PerIpLimit, accountLockout?: string): Answer {
  const limit = LIMITS[name];
  // Several buckets count to one variable; the first listed is its namesake.
  const namesake = Object.entries(LIMITS).find(([, l]) => "variable" in l && l.variable === limit.variable)?.[0];
  const own = namesake === name ? "" : ", in a bucket of its own";
  const locked = accountLockout ? `, or the account is locked ${accountLockout} (\`${LIMITS["account-checks"].variable}\`)` : "";
  return detailAnswer(
    429,
    `\`{"detail": "Too many requests. Try again in N seconds."}\`: per client IP${own}, ${envDefault(limit.variable)} per ${period(limit.seconds)} (\`${limit.variable}\`)${locked}.`,
    ["Retry-After"],
  );
}

/** The answers a contract's options imply, then its own: in the order the document merges them. */
function answersOf(contract: RouteContract): Answer[] {
  const bearer = contract.auth === "bearer" || contract.auth === "optionalBearer" || contract.auth === "admin";
  return [
    INTERNAL_ERROR,
    ...(contract.body ? BODY_ANSWERS : []),
    ...contract.answers,
    ...(bearer ? [BEARER] : []),
    ...(contract.auth === "admin" ? [ADMIN_REFUSED] : []),
    ...(contract.crossSite === "refuse" ? [CROSS_SITE] : []),
    ...(contract.rateLimit ? [limitAnswer(contract.rateLimit, contract.accountLockout)] : []),
    ...(contract.hashesPasswords ? [BUSY] : []),
  ];
}

type Checked = { refused: Response } | { input: { auth: Authenticated | null; body: unknown } };

/**
 * What every route of a kind repeats, in one order: the per-IP limit, the cross-site
 * check, the Bearer token (and an administrator's access), the body. The refusal, or
 * what the handler is handed.
 */
async function routeChecks(contract: RouteContract, request: NextRequest): Promise<Checked> {
  const limited = contract.rateLimit ? await consumeRateLimit(contract.rateLimit, rateLimitKey(clientIp(request))) : null;
  if (limited) return { refused: tooManyRequests(limited.retryAfter) };
  if (contract.crossSite === "refuse" && isCrossSite(request)) return { refused: detail(403, "Cross-site request refused", "csrf_failed") };

  let auth: Authenticated | null = null;
  const token = bearerToken(request);
  if (contract.auth === "bearer" || contract.auth === "admin" || (contract.auth === "optionalBearer" && token !== null)) {
    const authenticated = await authenticateAccessToken(token);
    if (!authenticated.ok) return { refused: unauthorized(authenticated.reason) };
    if (contract.auth === "admin") {
      // Checked on every request: a demoted or disabled administrator is out at once.
      const access = await checkAdminAccess(authenticated, { change: request.method !== "GET" && request.method !== "HEAD" });
      if (!access.ok) return { refused: adminRefusal(access.reason) };
    }
    auth = { user: authenticated.user, sessionId: authenticated.sessionId };
  }
  // With an optional token that was given, the token says who is meant: no body is read.
  if (!contract.body || (contract.auth === "optionalBearer" && auth)) return { input: { auth, body: undefined } };
  const body = await parseJsonBody(request, contract.body);
  return body.ok ? { input: { auth, body: body.data } } : { refused: body.response };
}

/**
 * Every API route handler goes through this: a request id for the log, the checks of
 * its contract, `Cache-Control: no-store`, 503 when password hashing is saturated, and a
 * bare 500 (cause logged, never sent) for anything unexpected.
 */
export function apiRoute<const C extends RouteContract>(
  contract: C,
  handler: (input: RouteInput<C>) => Promise<Response> | Response,
): RouteHandler<ParamsOf<C>> {
  const declaration: Declaration = { ...contract, answers: answersOf(contract) };
  const run = handler as unknown as (input: RouteInput<RouteContract>) => Promise<Response> | Response;
  const route = (request: NextRequest, context: { params: Promise<ParamsOf<C>> } | undefined): Promise<Response> => {
    const requestId = randomUUID();
    return withRequestContext(requestId, async () => {
      const started = performance.now();
      const where = { method: request.method, path: request.nextUrl.pathname };
      let response: Response;
      try {
        const checked = await routeChecks(contract, request);
        if ("refused" in checked) response = checked.refused;
        else {
          const params = ((await context?.params) ?? {}) as Record<string, string>;
          const query = Object.fromEntries(Object.keys(contract.query ?? {}).map((name) => [name, request.nextUrl.searchParams.get(name)]));
          // What the handler's committed writes left (the emails it queued) runs after the
          // answer (lib/after-commit.ts): no handler has to remember it.
          const tasks: AfterCommitTask[] = [];
          try {
            response = await collectAfterCommit(tasks, async () => run({ request, params, query, client: requestClient(request), ...checked.input } as RouteInput<RouteContract>));
          } finally {
            for (const task of tasks) after(task);
          }
        }
      } catch (error) {
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
      // The document is only true if the routes keep to it: said loudly where someone looks.
      if (runMode() !== "production") {
        const broken = await breachOf(declaration.answers, response);
        if (broken) log.error("answer not declared by its route", { ...where, status: response.status, broken });
      }
      log.info("request", { ...where, status: response.status, ms: Math.round(performance.now() - started) });
      return response;
    }, request.signal);
  };
  return Object.assign(route, { declaration }) as RouteHandler<ParamsOf<C>>;
}

/** Why `response` is none of `answers` (its status, or its body's shape), or null when it is one. */
async function breachOf(answers: readonly Answer[], response: Response): Promise<string | null> {
  const declared = answers.filter((a) => a.status === response.status);
  if (declared.length === 0) return `status ${response.status} is not one of ${[...new Set(answers.map((a) => a.status))].sort().join(", ")}`;
  const schemas = declared.flatMap((a) => a.body);
  const text = await response.clone().text();
  if (schemas.length === 0) return text ? "a body where the answer has none" : null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "a body that is not JSON";
  }
  if (schemas.some((schema) => schema.safeParse(body).success)) return null;
  return `a body of no declared shape: ${text.slice(0, 300)}`;
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
