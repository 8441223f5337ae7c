import { callApi, type ApiFailure, type ApiOptions, type ApiResult } from "./api";

// The browser's side of a Gatehouse session (docs/api.md, tokens and sessions).
// - The access token lives in this module's memory only: never in storage a script
//   injected later could read. The refresh token is an HttpOnly cookie scripts never see.
// - On page load one refresh call restores the session from that cookie, when the
//   session hint (a readable cookie set and cleared with it, docs/decisions/036) says
//   there is one: a signed-out page asks nothing, so it logs no failed request.
// - The token is refreshed shortly before it expires, and once after a 401.
// - Callers in one tab share a single refresh in flight; two tabs refreshing at once
//   are covered by the server's 30-second reuse grace, so no cross-tab lock is needed.
// - Signing out in one tab signs out the others (BroadcastChannel).

export type SessionStatus = "loading" | "signed-in" | "signed-out" | "unavailable";
/**
 * Why a tab that was signed in is not any more, for the login page to say so: "logout" in
 * this tab or another, "ended" when the server refused the session (signed out from
 * another device, a password change elsewhere, expiry). Absent for a tab never signed in.
 */
export type SignOutReason = "logout" | "ended";
export type SessionSnapshot = { readonly status: SessionStatus; readonly signedOut?: SignOutReason };

type RefreshOutcome = Exclude<SessionStatus, "loading">;
type TabMessage = { type: "login" | "logout" };

const REFRESH_PATH = "/api/auth/token/refresh/";
const LOGOUT_PATH = "/api/auth/logout/";
const CHANNEL_NAME = "gatehouse-session";
/** lib/http.ts sets it beside the refresh cookie; its value is not read, only its presence. */
const HINT_COOKIE = "has_session";
/** Refresh this long before expiry (or at 3/4 of a shorter lifetime). */
const REFRESH_MARGIN_MS = 60_000;
/** After a refresh that got no answer, try again this much later. */
const RETRY_MS = 15_000;

export const SERVER_SNAPSHOT: SessionSnapshot = { status: "loading" };

let snapshot: SessionSnapshot = SERVER_SNAPSHOT;
let accessToken: string | null = null;
let inflight: Promise<RefreshOutcome> | null = null;
let restoreStarted = false;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
// Bumped at sign-out so that a refresh answered afterwards cannot sign the tab back in.
let epoch = 0;
let channel: BroadcastChannel | null = null;
const listeners = new Set<() => void>();

function setStatus(status: SessionStatus, signedOut?: SignOutReason): void {
  if (snapshot.status === status && snapshot.signedOut === signedOut) return;
  snapshot = signedOut ? { status, signedOut } : { status };
  for (const listener of listeners) listener();
}

/** The session hint: does this browser hold a refresh cookie? A hint, never a credential. */
export function hasSessionHint(): boolean {
  if (typeof document === "undefined") return false;
  return document.cookie.split(";").some((part) => part.trim().startsWith(`${HINT_COOKIE}=`));
}

export const getSnapshot = (): SessionSnapshot => snapshot;

export function subscribe(listener: () => void): () => void {
  openChannel();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called by every page on load; only the first call asks the server. */
export function restoreSession(): void {
  if (restoreStarted) return;
  restoreStarted = true;
  // No hint, no refresh cookie: a refresh could only answer 400 (and the browser would log it).
  if (!hasSessionHint()) return setStatus("signed-out");
  void refreshSession();
}

/** After "unavailable": ask the server again. */
export function retryRestore(): void {
  restoreStarted = true;
  setStatus("loading");
  void refreshSession();
}

/** Exchange the refresh cookie for a new access token; concurrent callers share one request. */
export function refreshSession(): Promise<RefreshOutcome> {
  inflight ??= runRefresh().finally(() => {
    inflight = null;
  });
  return inflight;
}

async function runRefresh(): Promise<RefreshOutcome> {
  const startedIn = epoch;
  const result = await callApi<{ access?: unknown }>(REFRESH_PATH, { method: "POST" });
  // Signed in or out meanwhile (this tab or another): that newer state stands.
  if (startedIn !== epoch) return accessToken ? "signed-in" : "signed-out";
  if (result.ok && typeof result.data.access === "string") {
    adopt(result.data.access);
    return "signed-in";
  }
  // 400 (no cookie) and 401 (revoked, expired, reused) both mean there is no session; a
  // tab that held one, or a cookie the server now refuses, is told it ended.
  if (result.status === 400 || result.status === 401) {
    clear(accessToken || result.status === 401 ? "ended" : undefined);
    return "signed-out";
  }
  // No answer, 429 or 5xx: the session may well be alive. Keep a token we still hold;
  // without one, say the server is unavailable rather than pretend the user signed out.
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refreshSession(), RETRY_MS);
  if (!accessToken) setStatus("unavailable");
  return accessToken ? "signed-in" : "unavailable";
}

function adopt(token: string): void {
  accessToken = token;
  restoreStarted = true;
  clearTimeout(refreshTimer);
  const delay = refreshDelayMs(token);
  if (delay !== null) refreshTimer = setTimeout(() => void refreshSession(), delay);
  setStatus("signed-in");
}

function clear(reason?: SignOutReason): void {
  accessToken = null;
  clearTimeout(refreshTimer);
  setStatus("signed-out", reason);
}

/**
 * When to refresh, from the token's own lifetime (exp - iat) counted from now, so a
 * client clock that is off does not matter. Null when the token cannot be read: then
 * the first 401 triggers the refresh instead.
 */
export function refreshDelayMs(token: string): number | null {
  try {
    const payload = token.split(".")[1];
    if (!payload) return null;
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const { exp, iat } = JSON.parse(json) as { exp?: unknown; iat?: unknown };
    if (typeof exp !== "number" || typeof iat !== "number" || exp <= iat) return null;
    const lifetime = (exp - iat) * 1000;
    return lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 4);
  } catch {
    return null;
  }
}

/** After a password login: hold the new token and tell the other tabs. */
export function signIn(token: string): void {
  epoch += 1;
  adopt(token);
  broadcast({ type: "login" });
}

/** Revoke the session on the server, then forget it here and in the other tabs. */
export async function signOut(): Promise<{ ok: true } | { ok: false; result: ApiFailure }> {
  const result = await callApi(LOGOUT_PATH, { method: "POST", token: accessToken });
  // Logout answers 200 whatever the session's state; anything else means it did not
  // happen, and pretending otherwise would leave a live cookie behind.
  if (!result.ok) return { ok: false, result };
  epoch += 1;
  clear("logout");
  broadcast({ type: "logout" });
  return { ok: true };
}

/**
 * An API call with the session's access token. Waits for a restore in progress; on a
 * 401 refreshes once (unless another caller already did) and tries again.
 */
export async function callWithSession<T>(path: string, options: Omit<ApiOptions, "token"> = {}): Promise<ApiResult<T>> {
  if (!accessToken && inflight) await inflight;
  const used = accessToken;
  if (!used) return { ok: false, status: 401, data: { detail: "Not signed in." }, retryAfter: null };
  const first = await callApi<T>(path, { ...options, token: used });
  if (first.status !== 401) return first;
  if (accessToken === used) await refreshSession();
  if (!accessToken || accessToken === used) return first;
  return callApi<T>(path, { ...options, token: accessToken });
}

function openChannel(): void {
  if (channel || typeof BroadcastChannel === "undefined") return;
  channel = new BroadcastChannel(CHANNEL_NAME);
  channel.onmessage = (event: MessageEvent<TabMessage>) => {
    if (event.data?.type === "logout") {
      // The server already revoked the session; only this tab's memory is left.
      epoch += 1;
      clear("logout");
    } else if (event.data?.type === "login" && snapshot.status !== "signed-in") {
      void refreshSession();
    }
  };
}

function broadcast(message: TabMessage): void {
  openChannel();
  channel?.postMessage(message);
}
