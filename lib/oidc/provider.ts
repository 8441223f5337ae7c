import "server-only";
import Provider, { errors, interactionPolicy, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { oidcConsents, users } from "@/db/schema";
import { recordSecurityEvent } from "@/lib/auth/activity";
import { endSession } from "@/lib/auth/session";
import { getEnv } from "@/lib/env";
import { clearedRefreshCookieHeaders } from "@/lib/http/cookies";
import { log } from "@/lib/log";
import { singleton } from "@/lib/singleton";
import { DatabaseAdapter, withGatehouseSession } from "./adapter";
import { queueBackchannelLogout } from "./backchannel";
import { activeClients, clientName, findClient } from "./clients";
import type { OidcClient } from "./config";
import { currentGatehouseSession, readCookie, type GatehouseSession } from "./gatehouse-session";
import { loadOidcKeys } from "./keys";
import { errorPage, html, page, SafeHtml, type Page } from "./pages";
import { consumeOidcIpLimit, limitPerClient, requestIp } from "./limits";

// Gatehouse's OpenID Connect provider: panva's oidc-provider (OpenID Certified), configured
// here and served by server.js before Next (docs/decisions/040). Gatehouse writes only the
// glue: storage (adapter.ts), accounts and claims, the interaction with its own sign-in and
// consent pages (interaction.ts), session unity (session-end.ts) and back-channel logout
// delivery (backchannel.ts). Every protocol endpoint is the library's.

/** Every provider path lives here, so that the refresh cookie (Path=/api/auth/) reaches them. */
export const OIDC_PREFIX = "/api/auth/oidc";
export const INTERACTION_PREFIX = `${OIDC_PREFIX}/interaction/`;
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

export const ROUTES = {
  authorization: `${OIDC_PREFIX}/authorize`,
  token: `${OIDC_PREFIX}/token`,
  userinfo: `${OIDC_PREFIX}/userinfo`,
  jwks: `${OIDC_PREFIX}/jwks`,
  end_session: `${OIDC_PREFIX}/logout`,
  revocation: `${OIDC_PREFIX}/revoke`,
  introspection: `${OIDC_PREFIX}/introspect`,
  pushed_authorization_request: `${OIDC_PREFIX}/par`,
  // Features that stay off; the library still wants a path for each.
  backchannel_authentication: `${OIDC_PREFIX}/ciba`,
  code_verification: `${OIDC_PREFIX}/device`,
  device_authorization: `${OIDC_PREFIX}/device/auth`,
  registration: `${OIDC_PREFIX}/register`,
  challenge: `${OIDC_PREFIX}/challenge`,
  credential: `${OIDC_PREFIX}/credential`,
} as const;

export const SCOPES = ["openid", "offline_access", "profile", "email"] as const;

function clientMetadata(client: OidcClient): ClientMetadata {
  const authorizes = client.grant_types.includes("authorization_code");
  return {
    client_id: client.client_id,
    ...(client.public ? {} : { client_secret: client.client_secret }),
    client_name: client.name ?? client.client_id,
    token_endpoint_auth_method: client.public ? "none" : (client.token_endpoint_auth_method ?? "client_secret_basic"),
    grant_types: client.grant_types,
    response_types: authorizes ? ["code"] : [],
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    id_token_signed_response_alg: client.id_token_signed_response_alg,
    scope: SCOPES.join(" "),
    // auth_time in every id_token, so an app can judge how fresh a sign-in is.
    require_auth_time: true,
    ...(client.backchannel_logout_uri
      ? { backchannel_logout_uri: client.backchannel_logout_uri, backchannel_logout_session_required: true }
      : {}),
  };
}

/** The scopes a grant holds for OpenID Connect, as a set. */
const scopeSet = (value: string | undefined) => new Set((value ?? "").split(" ").filter(Boolean));

/**
 * The grant for this authorization when consent is not needed: a first-party client
 * (skip_consent), or scopes the user already allowed for this client (remembered per user,
 * client and scopes). Otherwise the session's grant, if any, and the consent prompt asks
 * for what it lacks.
 */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const client = findClient(oidc.client!.clientId);
  const accountId = oidc.session!.accountId!;
  const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(oidc.client!.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const requested = [...oidc.requestParamScopes].filter((scope) => (SCOPES as readonly string[]).includes(scope));
  let allowed = client?.skip_consent ?? false;
  if (!allowed) {
    const [consent] = await getDb()
      .select({ scopes: oidcConsents.scopes })
      .from(oidcConsents)
      .where(and(eq(oidcConsents.userId, Number(accountId)), eq(oidcConsents.clientId, oidc.client!.clientId)));
    const remembered = scopeSet(consent?.scopes);
    allowed = !!consent && requested.every((scope) => remembered.has(scope));
  }
  if (!allowed) return existing;
  const grant = existing ?? new oidc.provider.Grant({ accountId, clientId: oidc.client!.clientId });
  grant.addOIDCScope(requested.join(" "));
  for (const resource of Object.keys(oidc.resourceServers ?? {})) grant.addResourceScope(resource, oidc.resourceServers![resource]!.scope);
  await grant.save();
  return grant;
}

async function findAccount(_ctx: KoaContextWithOIDC, sub: string) {
  if (!/^\d{1,15}$/.test(sub)) return undefined;
  const [user] = await getDb().select().from(users).where(eq(users.id, Number(sub)));
  // A disabled account is no account to an app either: refresh and userinfo fail for it
  // (its grants were revoked when it was disabled: lib/account/app-access.ts).
  if (!user || user.disabledAt) return undefined;
  return {
    accountId: sub,
    async claims() {
      // The library keeps only what the granted scopes (and the claims map below) allow.
      return {
        sub,
        preferred_username: user.username,
        name: user.username,
        updated_at: Math.floor(user.updatedAt.getTime() / 1000),
        email: user.email,
        email_verified: user.emailVerified,
      };
    },
  };
}

/** The policy: the library's, plus "the browser's Gatehouse session is this account's". */
function policy() {
  const { Check, base } = interactionPolicy;
  const prompts = base();
  prompts.get("login")!.checks.add(
    // login_required to a prompt=none request, like the library's own login checks.
    new Check("gatehouse_session", "the Gatehouse session has ended or belongs to someone else", "login_required", (ctx) => {
      const gatehouse = (ctx.state as { gatehouse?: GatehouseSession | null }).gatehouse;
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return Check.NO_NEED_TO_PROMPT; // no_session asks already
      return gatehouse && String(gatehouse.userId) === accountId ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return prompts;
}

function sourcePage(ctx: KoaContextWithOIDC, rendered: Page) {
  ctx.status = rendered.status;
  for (const [name, value] of Object.entries(rendered.headers)) ctx.set(name, value);
  ctx.body = rendered.body;
}

/** Origins a sign-out form may be redirected to: the registered post-logout URIs. */
const logoutTargets = () => [...new Set(activeClients().flatMap((c) => c.post_logout_redirect_uris.map((uri) => new URL(uri).origin)))];

async function createProvider(): Promise<Provider> {
  const env = getEnv();
  const keys = await loadOidcKeys();
  const secure = env.APP_URL.startsWith("https:");
  const cookie = { httpOnly: true, sameSite: "lax" as const, secure, signed: true };
  const configuration: Configuration = {
    adapter: DatabaseAdapter,
    clients: activeClients().map(clientMetadata),
    findAccount,
    jwks: keys.jwks as Configuration["jwks"],
    cookies: {
      keys: keys.cookieKeys,
      names: { session: "gh_oidc_session", interaction: "gh_oidc_interaction", resume: "gh_oidc_resume" },
      long: cookie,
      short: cookie,
    },
    claims: {
      openid: ["sub"],
      profile: ["preferred_username", "name", "updated_at"],
      email: ["email", "email_verified"],
    },
    scopes: [...SCOPES],
    // Claims follow the granted scopes in the id_token too, not only at userinfo.
    conformIdTokenClaims: false,
    responseTypes: ["code"],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "none"],
    enabledJWA: {
      idTokenSigningAlgValues: ["RS256", "EdDSA"],
      userinfoSigningAlgValues: ["RS256", "EdDSA"],
      introspectionSigningAlgValues: ["RS256", "EdDSA"],
      authorizationSigningAlgValues: ["RS256", "EdDSA"],
      requestObjectSigningAlgValues: ["RS256", "EdDSA"],
      clientAuthSigningAlgValues: ["RS256", "EdDSA"],
    },
    routes: ROUTES,
    // The library refuses to send to private and loopback addresses (SSRF). The one thing
    // it sends here is a logout token to a backchannel_logout_uri, which only the operator
    // configures (OIDC_CLIENTS), and apps' servers often live on a private network: those
    // exact URIs may be private; anything else keeps the library's protection.
    fetch: (url, options) => {
      const target = String(url);
      const configured = activeClients().some((client) => client.backchannel_logout_uri && new URL(client.backchannel_logout_uri).href === target);
      if (configured) delete (options as { dispatcher?: unknown }).dispatcher;
      return globalThis.fetch(url, options);
    },
    interactions: {
      url: (_ctx, interaction) => `${INTERACTION_PREFIX}${interaction.uid}/`,
      policy: policy(),
    },
    loadExistingGrant,
    rotateRefreshToken: true,
    ttl: {
      AccessToken: env.ACCESS_TOKEN_TTL,
      ClientCredentials: env.ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: env.ACCESS_TOKEN_TTL,
      Interaction: 30 * 60,
      RefreshToken: env.REFRESH_TOKEN_TTL,
      Session: env.SESSION_MAX_AGE,
      // A grant lives as long as the Gatehouse session it came from may (SESSION_MAX_AGE),
      // and ends with it sooner (session-end.ts).
      Grant: env.SESSION_MAX_AGE,
    },
    clientBasedCORS: (_ctx, origin, client) =>
      (findClient(client.clientId)?.redirect_uris ?? []).some((uri) => new URL(uri).origin === origin),
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: {
        enabled: true,
        // Confidential clients only, and only about their own tokens.
        allowedPolicy: (_ctx, client, token) => client.clientAuthMethod !== "none" && token.clientId === client.clientId,
      },
      clientCredentials: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          const client = ctx.oidc.client;
          const app = client ? clientName(findClient(client.clientId), client.clientId) : null;
          sourcePage(
            ctx,
            page({
              title: "Sign out",
              formTargets: logoutTargets(),
              body: html`<h1>Sign out of ${env.APP_NAME}?</h1>
<p class="lead">${app ? `${app} asked to sign you out.` : "An app asked to sign you out."} Signing out of ${env.APP_NAME} signs you out of every app you signed in to with it.</p>
${new SafeHtml(form)}
<div class="stack">
<button class="button button-block" type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button class="button button-secondary button-block" type="submit" form="op.logoutForm">Stay signed in</button>
</div>`,
            }),
          );
        },
        postLogoutSuccessSource: (ctx) => {
          sourcePage(
            ctx,
            page({
              title: "Signed out",
              body: html`<h1>You are signed out</h1>
<p class="lead">You can close this tab, or <a href="/login/">sign in again</a>.</p>`,
            }),
          );
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => (oneOf ? oneOf : undefined),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => {
          if (!findClient(client.clientId)?.resources.includes(resource)) throw new errors.InvalidTarget();
          return {
            scope: "openid profile email offline_access",
            audience: resource,
            accessTokenTTL: env.ACCESS_TOKEN_TTL,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    renderError: (ctx, out, error) => {
      const status = (error as { status?: number }).status ?? 400;
      if (status >= 500) log.error("oidc provider error", { error });
      sourcePage(ctx, errorPage(out.error, out.error_description, status));
    },
  };

  const provider = new Provider(env.APP_URL, configuration);
  // Behind TRUST_PROXY, the scheme and host come from the proxy's headers.
  provider.proxy = env.TRUST_PROXY > 0;

  // Back-channel logout tokens leave from the outbox, never inline (backchannel.ts): the
  // library decides whom to tell, the outbox delivers and retries.
  const deliverLater = function (this: { clientId: string }, sub: string, sid: string) {
    return queueBackchannelLogout(getDb(), [{ clientId: this.clientId, sub, sid }]);
  };
  const ClientClass = provider.Client as unknown as { prototype: { backchannelLogout: (sub: string, sid: string) => Promise<void> } };
  libraryBackchannelLogout.send = ClientClass.prototype.backchannelLogout;
  ClientClass.prototype.backchannelLogout = deliverLater as never;

  limitPerClient(provider);

  provider.on("end_session.success", (ctx: KoaContextWithOIDC) => {
    // A full sign-out of the account the browser's Gatehouse session belongs to. (The
    // library also ends a provider session this way when another account signs in over it:
    // then the Gatehouse session is the new account's, and stays.)
    const state = ctx.state as State;
    if (ctx.oidc.params?.logout && state.gatehouse && ctx.oidc.session?.accountId === String(state.gatehouse.userId)) state.signedOut = true;
  });
  provider.on("authorization.success", (ctx: KoaContextWithOIDC) => {
    (ctx.state as State).authorized = true;
  });
  for (const event of ["server_error", "authorization.error", "grant.error", "end_session.error"]) {
    (provider.on as (name: string, listener: (...args: never[]) => void) => void)(event, (_ctx: unknown, error: Error & { status?: number }) => {
      if (event === "server_error" || (error.status ?? 400) >= 500) log.error(`oidc ${event}`, { error });
    });
  }

  provider.use(async (ctx, next) => {
    const limited = await consumeOidcIpLimit(requestIp(ctx.req));
    if (limited) {
      ctx.status = 429;
      ctx.set("Retry-After", String(limited.retryAfter));
      ctx.set("Cache-Control", "no-store");
      ctx.body = { error: "temporarily_unavailable", error_description: `Too many requests. Try again in ${limited.retryAfter} seconds.` };
      return;
    }
    const state = ctx.state as State;
    // Only the browser's paths carry the refresh cookie, and only they need the session.
    const browserPath = ctx.path.startsWith(ROUTES.authorization) || ctx.path.startsWith(ROUTES.end_session);
    state.gatehouse = browserPath ? await currentGatehouseSession(ctx.req) : null;
    await withGatehouseSession(state.gatehouse?.id ?? null, next);
    if (ctx.path.startsWith(ROUTES.token)) ctx.set("Cache-Control", "no-store");
    await afterProviderRequest(ctx as unknown as KoaContextWithOIDC, state);
  });

  return provider;
}

type State = { gatehouse?: GatehouseSession | null; signedOut?: boolean; authorized?: boolean };

/** The library's own back-channel sender, used by the outbox (backchannel.ts). */
export const libraryBackchannelLogout = singleton("oidc-library-backchannel", () => ({ send: null as ((this: unknown, sub: string, sid: string) => Promise<void>) | null }));

async function afterProviderRequest(ctx: KoaContextWithOIDC, state: State): Promise<void> {
  const client = { ip: requestIp(ctx.req), userAgent: ctx.get("user-agent")?.slice(0, 512) || null };
  if (state.signedOut) {
    // RP-initiated logout ends the Gatehouse session too, and its cookie.
    await endSession({ refreshToken: readCookie(ctx.req, "refresh_token"), accessToken: null }, client);
    for (const cookie of clearedRefreshCookieHeaders()) ctx.append("Set-Cookie", cookie);
  }
  if (state.authorized && ctx.oidc?.client && ctx.oidc.session?.accountId && !ctx.oidc.prompts?.has("none")) {
    const app = clientName(findClient(ctx.oidc.client.clientId), ctx.oidc.client.clientId);
    await recordSecurityEvent({
      userId: Number(ctx.oidc.session.accountId),
      type: "app_sign_in",
      client,
      detail: { app, client_id: ctx.oidc.client.clientId },
    }).catch((error: unknown) => log.error("recording an app sign-in failed", { error }));
  }
}

/** The one provider of this process, built on first use from the configuration. */
export function getProvider(): Promise<Provider> {
  return singleton("oidc-provider", () => createProvider());
}

