import "server-only";
import type { IncomingMessage } from "node:http";
import Provider, { errors } from "oidc-provider";
import { consumeRateLimit } from "@/lib/auth/rate-limit";
import { CLIENT_IP_HEADER, clientIp } from "@/lib/http/request";
import { rateLimitKey } from "@/lib/ip";

// The provider's limits (docs/security.md, abuse limits), counted in the database like the
// rest (rate-limiter-flexible through lib/auth/rate-limit.ts), so they hold across
// instances: every request per client IP (RATE_LIMIT_OIDC_PER_IP a minute), and every
// request that names a client per client (RATE_LIMIT_OIDC_PER_CLIENT a minute), whichever
// way it authenticates (Basic, a form field, a query parameter).

/** The client's address as server.js stamped it (and TRUST_PROXY allows). */
export function requestIp(req: IncomingMessage): string {
  const headers = new Headers();
  for (const name of ["x-forwarded-for", CLIENT_IP_HEADER]) {
    const value = req.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  return clientIp({ headers } as Request);
}

export function consumeOidcIpLimit(ip: string): Promise<{ retryAfter: number } | null> {
  return consumeRateLimit("oidc", rateLimitKey(ip));
}

class TooManyRequests extends errors.OIDCProviderError {
  constructor(retryAfter: number) {
    super(429, "temporarily_unavailable");
    this.error_description = `Too many requests. Try again in ${retryAfter} seconds.`;
  }
}

/**
 * Count each request against the client it names, once, where the library looks the client
 * up (the one place every endpoint passes, whatever the authentication method); past the
 * limit the answer is 429 `temporarily_unavailable` with Retry-After.
 */
export function limitPerClient(provider: Provider): void {
  const Client = provider.Client as unknown as { find: (id: string, ...rest: unknown[]) => Promise<unknown> };
  const find = Client.find.bind(Client);
  Client.find = async (id: string, ...rest: unknown[]) => {
    const ctx = Provider.ctx;
    const state = ctx?.state as { countedClients?: Set<string> } | undefined;
    if (ctx && state && typeof id === "string" && !state.countedClients?.has(id)) {
      (state.countedClients ??= new Set()).add(id);
      const limited = await consumeRateLimit("oidc-client", id.slice(0, 128));
      if (limited) {
        ctx.set("Retry-After", String(limited.retryAfter));
        throw new TooManyRequests(limited.retryAfter);
      }
    }
    return find(id, ...rest);
  };
}
