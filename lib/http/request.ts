import "server-only";
import { getEnv } from "@/lib/env";
import { forwardedAddress } from "@/lib/ip";

// What a request says about who sent it: the client's address and user agent, its
// origin, its Bearer token.

/** Set by server.js from the TCP socket; any value a client sends is overwritten there. */
export const CLIENT_IP_HEADER = "x-gatehouse-client-ip";

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

export function userAgent(request: Request): string | null {
  return request.headers.get("user-agent")?.slice(0, 512) ?? null;
}

/** Who is at the other end, for the security activity. */
export const requestClient = (request: Request) => ({ ip: clientIp(request), userAgent: userAgent(request) });

/** The origins allowed to make credentialed requests: the app's own and CORS_ALLOWED_ORIGINS. */
export function isTrustedOrigin(origin: string): boolean {
  const env = getEnv();
  return origin === new URL(env.APP_URL).origin || env.CORS_ALLOWED_ORIGINS.includes(origin);
}

/**
 * CSRF defence for requests that a cookie authenticates (docs/security.md, cross-site
 * requests): a foreign Origin, or with no Origin a cross-site fetch. Clients that are
 * not browsers send neither header and pass.
 */
export function isCrossSite(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null) return !isTrustedOrigin(origin);
  return request.headers.get("sec-fetch-site") === "cross-site";
}

/** The Bearer token: null without an Authorization header, "" for one that is not Bearer. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : "";
}
