import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { sessions } from "@/db/schema";
import { describeEvent, describeEventAction } from "@/app/profile/activity-details";
import {
  ACTIVITY_RETENTION_MS,
  decodeActivityCursor,
  encodeActivityCursor,
  listSecurityEvents,
  recordSecurityEvent,
  trimSecurityEvents,
} from "@/lib/auth/activity";
import { isRecentSignIn, reauthenticate } from "@/lib/auth/reauth";
import { createUser, PASSWORD, newSession } from "./helpers";

// docs/api.md, security activity (last 50, newest first, kept 90 days, in words on the
// profile) and the recent sign-in that sensitive changes need (REAUTH_MAX_AGE).

const chromeOnLinux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
const client = { ip: "198.51.100.4", userAgent: chromeOnLinux };

describe("security events", () => {
  it("lists a user's last 50, newest first, and nobody else's", async () => {
    const [alice, bob] = [await createUser(), await createUser()];
    const start = Date.now() - 60 * 60_000;
    for (let i = 0; i < 55; i++) await recordSecurityEvent({ userId: alice.id, type: "login", client, detail: { method: "password", i } }, start + i * 1000);
    await recordSecurityEvent({ userId: bob.id, type: "logout", client }, start);
    const listed = (await listSecurityEvents(alice.id)).events;
    expect(listed).toHaveLength(50);
    expect(listed[0]).toEqual({ type: "login", at: new Date(start + 54_000).toISOString(), ip: client.ip, user_agent: chromeOnLinux, detail: { method: "password", i: 54 } });
    expect(listed.at(-1)!.detail.i).toBe(5);
    expect((await listSecurityEvents(bob.id)).events.map((e) => e.type)).toEqual(["logout"]);
  });

  it("pages through every event, older and newer, with no event twice or missed, ties in time included", async () => {
    const user = await createUser();
    const start = Date.now() - 60 * 60_000;
    // 23 events; three pairs share a millisecond, so the order needs the id too.
    for (let i = 0; i < 23; i++) await recordSecurityEvent({ userId: user.id, type: "login", client, detail: { i } }, start + Math.floor(i / 2) * 1000);
    const seen: unknown[] = [];
    let page = await listSecurityEvents(user.id, { limit: 10 });
    expect(page.newer).toBeNull();
    const pages = [page];
    while (page.older) {
      page = await listSecurityEvents(user.id, { limit: 10, before: decodeActivityCursor(page.older)! });
      pages.push(page);
    }
    for (const p of pages) seen.push(...p.events.map((e) => e.detail.i));
    expect(pages.map((p) => p.events.length)).toEqual([10, 10, 3]);
    expect(seen).toEqual([...Array(23).keys()].reverse());
    // Back again from the oldest page: the same pages, newest last.
    const oldest = pages.at(-1)!;
    const back = await listSecurityEvents(user.id, { limit: 10, after: decodeActivityCursor(oldest.newer!)! });
    expect(back.events.map((e) => e.detail.i)).toEqual(pages[1]!.events.map((e) => e.detail.i));
    const first = await listSecurityEvents(user.id, { limit: 10, after: decodeActivityCursor(back.newer!)! });
    expect(first.events.map((e) => e.detail.i)).toEqual(pages[0]!.events.map((e) => e.detail.i));
    expect(first.newer).toBeNull();
  });

  it("reads only cursors it wrote: anything else is no cursor", () => {
    expect(decodeActivityCursor(encodeActivityCursor({ at: 1_700_000_000_123, id: 42 }))).toEqual({ at: 1_700_000_000_123, id: 42 });
    for (const hostile of ["", "x", "MSc7ZHJvcCB0YWJsZQ", Buffer.from("1.2.3").toString("base64url"), Buffer.from("-1.2").toString("base64url"), Buffer.from("9".repeat(16) + ".1").toString("base64url")]) {
      expect(decodeActivityCursor(hostile)).toBeNull();
    }
  });

  it("trims events older than 90 days, and only those", async () => {
    const user = await createUser();
    const now = Date.now();
    await recordSecurityEvent({ userId: user.id, type: "login", client }, now - ACTIVITY_RETENTION_MS - 1000);
    await recordSecurityEvent({ userId: user.id, type: "logout", client }, now - ACTIVITY_RETENTION_MS + 60_000);
    expect(await trimSecurityEvents(now)).toBe(1);
    expect((await listSecurityEvents(user.id)).events.map((e) => e.type)).toEqual(["logout"]);
  });

  it("reads as words: what, which device, when", () => {
    const now = Date.parse("2026-11-30T12:00:00Z");
    const at = new Date(now - 2 * 3_600_000).toISOString();
    expect(describeEvent({ type: "login", at, ip: null, user_agent: chromeOnLinux, detail: { method: "github" } }, now)).toBe(
      "Signed in with GitHub · Chrome on Linux · 2 hours ago",
    );
    expect(describeEventAction({ type: "login", detail: { method: "password" } })).toBe("Signed in with a password");
    expect(describeEventAction({ type: "passkey_added", detail: { name: "Work laptop" } })).toBe("Passkey “Work laptop” added");
    expect(describeEventAction({ type: "recovery_code_used", detail: { remaining: 3 } })).toBe("Recovery code used (3 left)");
    expect(describeEventAction({ type: "provider_unlinked", detail: { provider: "google" } })).toBe("Google unlinked");
    expect(describeEventAction({ type: "login", detail: { method: "google", second_factor: "totp" } })).toBe("Signed in with Google and a code");
    expect(describeEventAction({ type: "login", detail: { method: "password", second_factor: "passkey" } })).toBe("Signed in with a password and a passkey");
    expect(describeEventAction({ type: "login_failed", detail: { method: "password" } })).toBe("Failed sign-in attempt: wrong password");
    expect(describeEventAction({ type: "login_failed", detail: { method: "password", second_factor: "recovery_code" } })).toBe("Failed sign-in attempt: wrong code");
    expect(describeEventAction({ type: "session_revoked", detail: { count: 3 } })).toBe("3 other sessions were signed out");
    expect(describeEventAction({ type: "session_revoked", detail: { count: 1 } })).toBe("A session was signed out");
    expect(describeEvent({ type: "mfa_enabled", at: new Date(now).toISOString(), ip: null, user_agent: null, detail: {} }, now)).toBe(
      "Two-step verification turned on · Unknown device · just now",
    );
  });
});

describe("recent sign-in", () => {
  it("holds for REAUTH_MAX_AGE after sign-in, and again after re-entering the password", async () => {
    const user = await createUser();
    const { sessionId } = await newSession({ userId: user.id, userAgent: null, ip: null });
    expect(await isRecentSignIn(sessionId)).toBe(true);
    expect(await isRecentSignIn(sessionId, Date.now() + 601_000)).toBe(false);
    await getDb().update(sessions).set({ createdAt: new Date(Date.now() - 3_600_000) }).where(eq(sessions.id, sessionId));
    expect(await isRecentSignIn(sessionId)).toBe(false);

    expect(await reauthenticate({ user, sessionId, proof: { password: "not the password" } })).toEqual({ ok: false, reason: "invalid_password" });
    expect(await isRecentSignIn(sessionId)).toBe(false);
    expect(await reauthenticate({ user, sessionId, proof: { password: PASSWORD } })).toEqual({ ok: true });
    expect(await isRecentSignIn(sessionId)).toBe(true);
    expect(await isRecentSignIn("no-such-session")).toBe(false);
  });

  it("refuses a code when TOTP is off, and a password when there is none", async () => {
    const social = await createUser({ password: null });
    const { sessionId } = await newSession({ userId: social.id, userAgent: null, ip: null });
    expect(await reauthenticate({ user: social, sessionId, proof: { password: "anything at all" } })).toEqual({ ok: false, reason: "no_password" });
    expect(await reauthenticate({ user: social, sessionId, proof: { code: "123456" } })).toEqual({ ok: false, reason: "no_totp" });
  });
});
