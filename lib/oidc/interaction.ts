import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { and, eq } from "drizzle-orm";
import type Provider from "oidc-provider";
import { errors } from "oidc-provider";
import { getDb } from "@/lib/db";
import { oidcConsents, users } from "@/db/schema";
import { isTrustedOrigin } from "@/lib/http/request";
import { log } from "@/lib/log";
import { interactionStartedAt, withGatehouseSession } from "./adapter";
import { currentGatehouseSession, type GatehouseSession } from "./gatehouse-session";
import { errorPage, type Page } from "./pages";
import { clientName, findClient } from "./clients";
import { INTERACTION_PREFIX, SCOPES } from "./provider";

// The interaction: where the provider hands a browser to Gatehouse when it needs a person
// (docs/oidc.md, how a sign-in goes). A route under /api/auth/ so that the refresh cookie
// reaches it; it reads the Gatehouse session without rotating it.
// - login: no session (or prompt=login / max_age asks for a fresher one) -> the site's own
//   /login/ page with next= pointing back here (every method, the second step, social
//   sign-in keep `next`); with one, the interaction finishes with the user's id and the
//   session's auth_time.
// - consent: the consent page (/consent/?interaction=…) reads what it shows from
//   GET …/consent/ and sends the answer to POST …/consent/, both here.

type Details = Awaited<ReturnType<Provider["interactionDetails"]>>;

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, rendered: Page): void {
  res.writeHead(rendered.status, rendered.headers);
  res.end(rendered.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, "Cache-Control": "no-store" });
  res.end();
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Where a person without a (fresh enough) session signs in, then comes back here. */
function loginUrl(uid: string, fresh: boolean, app: string): string {
  const params = new URLSearchParams({ next: `${INTERACTION_PREFIX}${uid}/` });
  if (fresh) params.set("prompt", "login");
  params.set("app", app);
  return `/login/?${params}`;
}

export async function handleInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const match = /^\/api\/auth\/oidc\/interaction\/([A-Za-z0-9_-]{1,64})\/(consent\/)?$/.exec(pathname);
  if (!match) return send(res, errorPage("invalid_request", "unknown interaction path", 404));
  const [, uid, consentPath] = match as unknown as [string, string, string | undefined];
  let details: Details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    if (error instanceof errors.SessionNotFound) {
      return consentPath ? sendJson(res, 410, { detail: "This sign-in has expired. Go back to the app and start again.", code: "interaction_expired" }) : send(res, errorPage("session_not_found", undefined, 410));
    }
    throw error;
  }
  if (details.uid !== uid) return send(res, errorPage("session_not_found", "the interaction does not match this browser", 410));
  const gatehouse = await currentGatehouseSession(req);

  if (consentPath) {
    if (req.method === "GET") return consentDetails(res, details, gatehouse);
    if (req.method === "POST") return consentDecision(provider, req, res, details, gatehouse);
    res.setHeader("Allow", "GET, POST");
    return sendJson(res, 405, { detail: `Method "${req.method}" not allowed.` });
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET");
    return sendJson(res, 405, { detail: `Method "${req.method}" not allowed.` });
  }

  const clientId = String(details.params.client_id);
  const client = findClient(clientId);
  const app = clientName(client, clientId);
  const { prompt } = details;

  if (prompt.name === "login") {
    const reasons = prompt.reasons ?? [];
    // prompt=login and a max_age the session is older than need a sign-in after this request began.
    const fresh = reasons.includes("login_prompt") || reasons.includes("max_age");
    const startedAt = fresh ? ((await interactionStartedAt(uid)) ?? Date.now()) : 0;
    if (!gatehouse || (fresh && gatehouse.authenticatedAt < startedAt)) return redirect(res, loginUrl(uid, fresh && !!gatehouse, app));
    const hinted = details.prompt.details.id_token_hint ? hintedSubject(details) : null;
    if (hinted && hinted !== String(gatehouse.userId)) {
      return finish(provider, req, res, { error: "login_required", error_description: "signed in as a different user than id_token_hint names" });
    }
    return finish(provider, req, res, {
      login: { accountId: String(gatehouse.userId), ts: Math.floor(gatehouse.authenticatedAt / 1000) },
    });
  }

  if (prompt.name === "consent") {
    if (!gatehouse || String(gatehouse.userId) !== details.session?.accountId) return redirect(res, loginUrl(uid, false, app));
    // A first-party app never asks (the library raised the prompt because offline_access
    // needs prompt=consent, which the provider adds for such apps: handler.ts).
    if (client?.skip_consent) {
      const grantId = await allow(provider, details, gatehouse);
      return finish(provider, req, res, { consent: { grantId } });
    }
    return redirect(res, `/consent/?interaction=${encodeURIComponent(uid)}`);
  }

  log.warn("oidc interaction with an unknown prompt", { prompt: prompt.name });
  return send(res, errorPage("invalid_request", "unsupported prompt", 400));
}

function hintedSubject(details: Details): string | null {
  try {
    const hint = String(details.params.id_token_hint);
    const payload = JSON.parse(Buffer.from(hint.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub?: unknown };
    return typeof payload.sub === "string" ? payload.sub : null;
  } catch {
    return null;
  }
}

async function finish(provider: Provider, req: IncomingMessage, res: ServerResponse, result: Parameters<Provider["interactionFinished"]>[2]): Promise<void> {
  // Merged: a request may need a login and then a consent, each answered in its own turn.
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

/** What the consent page asks about: the scopes beyond openid that the grant lacks. */
function requestedScopes(details: Details): string[] {
  const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
  const requested = String(details.params.scope ?? "").split(" ");
  return [...new Set([...missing, ...requested])].filter((scope) => (SCOPES as readonly string[]).includes(scope) && scope !== "openid");
}

async function consentDetails(res: ServerResponse, details: Details, gatehouse: GatehouseSession | null): Promise<void> {
  if (!gatehouse || String(gatehouse.userId) !== details.session?.accountId) {
    return sendJson(res, 401, { detail: "Sign in to continue.", code: "not_signed_in" });
  }
  if (details.prompt.name !== "consent") return sendJson(res, 409, { detail: "Nothing to consent to.", code: "no_consent_needed" });
  const clientId = String(details.params.client_id);
  const [user] = await getDb().select({ username: users.username, email: users.email }).from(users).where(eq(users.id, gatehouse.userId));
  sendJson(res, 200, {
    app: { client_id: clientId, name: clientName(findClient(clientId), clientId) },
    user: user ? { username: user.username, email: user.email } : null,
    scopes: requestedScopes(details),
  });
}

async function consentDecision(provider: Provider, req: IncomingMessage, res: ServerResponse, details: Details, gatehouse: GatehouseSession | null): Promise<void> {
  // The answer is a credentialed browser request: from this site only (docs/security.md).
  const origin = req.headers.origin;
  if (typeof origin === "string" ? !isTrustedOrigin(origin) : req.headers["sec-fetch-site"] === "cross-site") {
    return sendJson(res, 403, { detail: "Cross-site request refused", code: "csrf_failed" });
  }
  if (!gatehouse || String(gatehouse.userId) !== details.session?.accountId) {
    return sendJson(res, 401, { detail: "Sign in to continue.", code: "not_signed_in" });
  }
  if (details.prompt.name !== "consent") return sendJson(res, 409, { detail: "Nothing to consent to.", code: "no_consent_needed" });
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return sendJson(res, 415, { detail: "Unsupported media type" });
  const raw = await readBody(req);
  if (raw === null) return sendJson(res, 413, { detail: "Request body too large" });
  let decision: unknown;
  try {
    decision = (JSON.parse(raw) as { decision?: unknown }).decision;
  } catch {
    return sendJson(res, 400, { detail: "Malformed JSON" });
  }
  if (decision !== "allow" && decision !== "deny") return sendJson(res, 400, { decision: ['Must be "allow" or "deny".'] });
  const result =
    decision === "allow"
      ? { consent: { grantId: await allow(provider, details, gatehouse, true) } }
      : { error: "access_denied", error_description: "The user did not allow access" };
  const redirectTo = await provider.interactionResult(req, res, result, { mergeWithLastSubmission: true });
  sendJson(res, 200, { redirect_to: redirectTo });
}

/** Grant what the request asked for, and remember the answer when the person gave it. */
async function allow(provider: Provider, details: Details, gatehouse: GatehouseSession, remember = false): Promise<string> {
  const clientId = String(details.params.client_id);
  const accountId = String(gatehouse.userId);
  const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
  const promptDetails = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (promptDetails.missingOIDCScope) grant.addOIDCScope(promptDetails.missingOIDCScope.join(" "));
  if (promptDetails.missingOIDCClaims) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(" "));
  const grantId = await withGatehouseSession(gatehouse.id, () => grant.save());
  if (remember) {
    const scopes = [...new Set([...(grant.getOIDCScope() || "").split(" ").filter(Boolean)])].join(" ");
    const now = new Date();
    const existing = await getDb()
      .select({ scopes: oidcConsents.scopes })
      .from(oidcConsents)
      .where(and(eq(oidcConsents.userId, gatehouse.userId), eq(oidcConsents.clientId, clientId)));
    const merged = [...new Set([...(existing[0]?.scopes ?? "").split(" "), ...scopes.split(" ")].filter(Boolean))].join(" ");
    await getDb()
      .insert(oidcConsents)
      .values({ userId: gatehouse.userId, clientId, scopes: merged, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [oidcConsents.userId, oidcConsents.clientId], set: { scopes: merged, updatedAt: now } });
  }
  return grantId;
}
