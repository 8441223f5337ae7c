import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { getEnv, hasDevelopmentConveniences, runMode } from "@/lib/env";
import { randomUUID } from "node:crypto";
import { log, withRequestContext } from "@/lib/log";
import { registerBackchannelSender } from "./backchannel";
import { handleInteraction } from "./interaction";
import { consumeOidcIpLimit, requestIp } from "./limits";
import { findClient } from "./clients";
import { DISCOVERY_PATH, INTERACTION_PREFIX, OIDC_PREFIX, ROUTES, getProvider, libraryBackchannelLogout } from "./provider";

// How server.js reaches the provider (docs/decisions/040): server.js is plain JavaScript
// and lib/ is TypeScript bundled by Next, so, like the base headers and the shutdown hook,
// startup registers a function on a globalThis symbol that server.js calls for the
// provider's paths, before Next and outside its trailing-slash rule. It runs inside Next's
// server runtime, so it shares lib/ and the database seam with every route.

const HOOK = Symbol.for("gatehouse.oidc");

export type OidcHook = { matches(pathname: string): boolean; handle(req: IncomingMessage, res: ServerResponse): void };

/** The provider is served in development always, in production once OIDC_CLIENTS is set. */
export function oidcEnabled(): boolean {
  return !!getEnv().OIDC_CLIENTS?.length || hasDevelopmentConveniences(runMode());
}

const matches = (pathname: string) => pathname === DISCOVERY_PATH || pathname === OIDC_PREFIX || pathname.startsWith(`${OIDC_PREFIX}/`);

/**
 * OpenID Connect asks refresh tokens of a client that wants `offline_access` only with
 * prompt=consent, so certified libraries drop the scope otherwise. A first-party app
 * (skip_consent) should not have to ask for a consent screen it never shows: the request
 * gets the prompt here, and the interaction answers it without a page (interaction.ts).
 */
function firstPartyOfflineAccess(req: IncomingMessage, url: URL): void {
  if (req.method !== "GET" || url.pathname !== ROUTES.authorization) return;
  const scope = url.searchParams.get("scope")?.split(" ") ?? [];
  const prompt = url.searchParams.get("prompt")?.split(" ").filter(Boolean) ?? [];
  const client = findClient(url.searchParams.get("client_id") ?? "");
  if (!client?.skip_consent || !scope.includes("offline_access") || prompt.includes("none") || prompt.includes("consent")) return;
  url.searchParams.set("prompt", [...prompt, "consent"].join(" "));
  req.url = `${url.pathname}?${url.searchParams}`;
}

async function serve(provider: Provider, callback: ReturnType<Provider["callback"]>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://gatehouse.invalid");
  if (url.pathname.startsWith(INTERACTION_PREFIX)) {
    // The provider's middleware limits its own paths; the interaction is limited here alike.
    const limited = await consumeOidcIpLimit(requestIp(req));
    if (limited) {
      res.writeHead(429, { "Content-Type": "application/json", "Retry-After": String(limited.retryAfter), "Cache-Control": "no-store" });
      res.end(JSON.stringify({ detail: `Too many requests. Try again in ${limited.retryAfter} seconds.` }));
      return;
    }
    return handleInteraction(provider, req, res, url.pathname);
  }
  firstPartyOfflineAccess(req, url);
  await callback(req, res);
}

export async function registerOidcProvider(): Promise<void> {
  if (!oidcEnabled()) return;
  const provider = await getProvider();
  const callback = provider.callback();
  registerBackchannelSender(async (clientId, sub, sid) => {
    const client = findClient(clientId) ? await provider.Client.find(clientId) : undefined;
    const send = libraryBackchannelLogout.send;
    if (!client || !send) return "no_client";
    await send.call(client, sub, sid);
    return "sent";
  });
  const hook: OidcHook = {
    matches,
    handle(req, res) {
      const requestId = randomUUID();
      const started = performance.now();
      res.setHeader("X-Request-Id", requestId);
      // The path only: the query of an authorization or logout request is the app's business.
      const path = (req.url ?? "/").split("?")[0];
      res.once("finish", () => log.info("request", { requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }));
      withRequestContext(requestId, () =>
        serve(provider, callback, req, res).catch((error: unknown) => {
          log.error("oidc request failed", { error, method: req.method, path });
          if (!res.headersSent) {
            res.writeHead(500, { "Content-Type": "application/json", "Cache-Control": "no-store" });
            res.end(JSON.stringify({ error: "server_error", error_description: "Internal server error" }));
          } else res.end();
        }),
      );
    },
  };
  (globalThis as Record<symbol, unknown>)[HOOK] = hook;
}
