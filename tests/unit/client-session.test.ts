import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// lib/client/session.ts keeps its state in module scope (one per tab), so each test
// imports a fresh copy, with fetch replaced by a scripted server.

type Reply = { status: number; body?: unknown; delayMs?: number } | "network-error";

/** A JWT-shaped token whose payload says it lives `ttl` seconds; the signature is not read. */
function accessToken(ttl = 900, id = Math.random().toString(36).slice(2)): string {
  const iat = 1_700_000_000;
  const payload = Buffer.from(JSON.stringify({ sub: "1", iat, exp: iat + ttl, id })).toString("base64url");
  return `eyJhbGciOiJFZERTQSJ9.${payload}.sig`;
}

let calls: { path: string; method: string; auth: string | null }[];
let replies: Map<string, Reply[]>;

function reply(path: string, ...answers: Reply[]): void {
  replies.set(path, [...(replies.get(path) ?? []), ...answers]);
}

beforeEach(() => {
  vi.resetModules();
  calls = [];
  replies = new Map();
  // Tabs talking to each other is the browser suite's business (e2e/session.spec.ts);
  // here the module copies of earlier tests must not hear this one.
  vi.stubGlobal("BroadcastChannel", undefined);
  // The session hint the server sets beside the refresh cookie (docs/decisions/036).
  vi.stubGlobal("document", { cookie: "theme=dark; has_session=1" });
  vi.stubGlobal("fetch", async (path: string, init: RequestInit) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    calls.push({ path, method: init.method ?? "GET", auth: headers.Authorization ?? null });
    const next = replies.get(path)?.shift();
    // Let concurrent callers line up before anything answers.
    await new Promise((resolve) => setTimeout(resolve, next && next !== "network-error" ? (next.delayMs ?? 5) : 5));
    if (!next) throw new Error(`unexpected request to ${path}`);
    if (next === "network-error") throw new TypeError("Failed to fetch");
    return new Response(JSON.stringify(next.body ?? {}), { status: next.status, headers: { "Content-Type": "application/json" } });
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const load = () => import("@/lib/client/session");
const refreshCalls = () => calls.filter((c) => c.path === "/api/auth/token/refresh/").length;

describe("client session", () => {
  it("restores from the cookie with one refresh, however many components ask", async () => {
    const session = await load();
    reply("/api/auth/token/refresh/", { status: 200, body: { access: accessToken() } });
    session.restoreSession();
    session.restoreSession();
    await Promise.all([session.refreshSession(), session.refreshSession()]);
    expect(refreshCalls()).toBe(1);
    expect(session.getSnapshot().status).toBe("signed-in");
  });

  it("asks nothing on load without the session hint: signed out, no failed request for the browser to log", async () => {
    vi.stubGlobal("document", { cookie: "theme=dark; not_has_session=1" });
    const session = await load();
    session.restoreSession();
    expect(calls).toEqual([]);
    expect(session.getSnapshot()).toEqual({ status: "signed-out" });
  });

  it("says why a tab that was signed in is not any more: its own logout, or a session the server ended", async () => {
    const here = await load();
    here.signIn(accessToken());
    reply("/api/auth/logout/", { status: 200, body: { detail: "Logged out" } });
    await here.signOut();
    expect(here.getSnapshot()).toEqual({ status: "signed-out", signedOut: "logout" });

    vi.resetModules();
    const elsewhere = await load();
    elsewhere.signIn(accessToken());
    // Revoked from another device: the next call's 401 survives one refresh.
    reply("/api/auth/me/", { status: 401 });
    reply("/api/auth/token/refresh/", { status: 401, body: { detail: "Invalid refresh token", code: "token_not_valid" } });
    expect((await elsewhere.callWithSession("/api/auth/me/")).status).toBe(401);
    expect(elsewhere.getSnapshot()).toEqual({ status: "signed-out", signedOut: "ended" });

    vi.resetModules();
    const stale = await load();
    // A hint whose cookie is gone (deleted by hand): signed out, nothing ended.
    reply("/api/auth/token/refresh/", { status: 400, body: { detail: "No refresh token" } });
    await stale.refreshSession();
    expect(stale.getSnapshot()).toEqual({ status: "signed-out" });
  });

  it("treats 400 (no cookie) and 401 (revoked) from refresh as signed out", async () => {
    const session = await load();
    reply("/api/auth/token/refresh/", { status: 400, body: { detail: "No refresh token" } });
    expect(await session.refreshSession()).toBe("signed-out");
    expect(session.getSnapshot().status).toBe("signed-out");
  });

  it("says unavailable, not signed out, when the server does not answer", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true });
    const session = await load();
    reply("/api/auth/token/refresh/", "network-error");
    expect(await session.refreshSession()).toBe("unavailable");
    expect(session.getSnapshot().status).toBe("unavailable");
    vi.useRealTimers();
  });

  it("refreshes once after a 401 and retries, even for concurrent callers", async () => {
    const session = await load();
    const first = accessToken();
    const second = accessToken();
    session.signIn(first);
    reply("/api/auth/me/", { status: 401 }, { status: 401 }, { status: 200, body: { id: 1 } }, { status: 200, body: { id: 1 } });
    reply("/api/auth/token/refresh/", { status: 200, body: { access: second } });

    const [a, b] = await Promise.all([session.callWithSession("/api/auth/me/"), session.callWithSession("/api/auth/me/")]);
    expect(a.ok && b.ok).toBe(true);
    expect(refreshCalls()).toBe(1);
    const retried = calls.filter((c) => c.path === "/api/auth/me/").map((c) => c.auth);
    expect(retried).toEqual([`Bearer ${first}`, `Bearer ${first}`, `Bearer ${second}`, `Bearer ${second}`]);
  });

  it("gives up after one refresh when the session is gone", async () => {
    const session = await load();
    session.signIn(accessToken());
    reply("/api/auth/me/", { status: 401 });
    reply("/api/auth/token/refresh/", { status: 401, body: { code: "token_not_valid" } });
    const result = await session.callWithSession("/api/auth/me/");
    expect(result.status).toBe(401);
    expect(calls.map((c) => c.path)).toEqual(["/api/auth/me/", "/api/auth/token/refresh/"]);
    expect(session.getSnapshot().status).toBe("signed-out");
  });

  it("refreshes a minute before a 15-minute token expires, or at 3/4 of a short one", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const session = await load();
    expect(session.refreshDelayMs(accessToken(900))).toBe(840_000);
    expect(session.refreshDelayMs(accessToken(60))).toBe(45_000);
    expect(session.refreshDelayMs("not-a-jwt")).toBeNull();

    session.signIn(accessToken(900));
    reply("/api/auth/token/refresh/", { status: 200, body: { access: accessToken(900) } });
    await vi.advanceTimersByTimeAsync(839_000);
    expect(refreshCalls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(10);
    expect(refreshCalls()).toBe(1);
    vi.useRealTimers();
  });

  it("a refresh answered after sign-out does not sign the tab back in", async () => {
    const session = await load();
    session.signIn(accessToken());
    // The refresh left before the logout but is answered after it.
    reply("/api/auth/token/refresh/", { status: 200, body: { access: accessToken() }, delayMs: 30 });
    reply("/api/auth/logout/", { status: 200, body: { detail: "Logged out" } });
    const late = session.refreshSession();
    await session.signOut();
    await late;
    expect(session.getSnapshot().status).toBe("signed-out");
  });

  it("stays signed in when the logout request fails", async () => {
    const session = await load();
    session.signIn(accessToken());
    reply("/api/auth/logout/", "network-error");
    const outcome = await session.signOut();
    expect(outcome.ok).toBe(false);
    expect(session.getSnapshot().status).toBe("signed-in");
  });
});
