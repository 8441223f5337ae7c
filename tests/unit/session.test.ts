import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { refreshTokens, sessions, users } from "@/db/schema";
import {
  REUSE_GRACE_MS,
  authenticateAccessToken,
  endSession,
  getUserForAccess,
  revokeSession,
  revokeUserSessions,
  rotateRefreshToken,
  startSession,
  type SessionGrant,
} from "@/lib/auth/session";
import { verifyAccessToken } from "@/lib/auth/tokens";
import { createUser, rawRows, sha256Hex, newSession } from "./helpers";

// docs/api.md, Tokens and sessions / POST token/refresh; docs/security.md, Sessions and tokens:
// opaque refresh tokens stored as SHA-256, rotation with a 30-second grace window,
// reuse after it revokes the session, revocation effective at once.

const client = { userAgent: "Mozilla/5.0 (vitest)", ip: "203.0.113.7" };

async function login(userId?: number): Promise<SessionGrant & { userId: number; refreshToken: string }> {
  const id = userId ?? (await createUser({ password: null })).id;
  const grant = await newSession({ userId: id, ...client });
  if (!grant.refresh) throw new Error("startSession gave no refresh token");
  return { ...grant, userId: id, refreshToken: grant.refresh.token };
}

async function sessionRow(id: string) {
  const [row] = await getDb().select().from(sessions).where(eq(sessions.id, id));
  if (!row) throw new Error(`no session ${id}`);
  return row;
}

function refreshRows(sessionId: string) {
  return getDb().select().from(refreshTokens).where(eq(refreshTokens.sessionId, sessionId)).orderBy(refreshTokens.id);
}

async function accessWorks(access: string): Promise<boolean> {
  return (await authenticateAccessToken(access)).ok;
}

describe("startSession", () => {
  it("records the session and returns an access token and a refresh token", async () => {
    const before = Date.now();
    const { access, sessionId, refresh, userId } = await login();
    const row = await sessionRow(sessionId);
    expect(row).toMatchObject({ userId, userAgent: client.userAgent, ip: client.ip, revokedAt: null });
    expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(row.lastUsedAt.getTime()).toBe(row.createdAt.getTime());
    // SESSION_MAX_AGE after login (30 days by default).
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(2_592_000_000);

    expect(await verifyAccessToken(access)).toEqual({ userId, sessionId });
    // 14 days by default.
    expect(refresh?.maxAgeSeconds).toBe(1_209_600);
    const [token] = await refreshRows(sessionId);
    expect(token!.expiresAt.getTime() - token!.createdAt.getTime()).toBe(1_209_600_000);
  });

  it("makes refresh tokens of at least 256 bits, and session ids that are not them", async () => {
    const { refreshToken, sessionId } = await login();
    expect(Buffer.from(refreshToken, "base64url").length).toBeGreaterThanOrEqual(32);
    expect(refreshToken).not.toContain(sessionId);
    const other = await login();
    expect(other.refreshToken).not.toBe(refreshToken);
    expect(other.sessionId).not.toBe(sessionId);
  });

  it("stores only the SHA-256 of the refresh token", async () => {
    const { refreshToken } = await login();
    const rows = rawRows("refresh_tokens");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(sha256Hex(refreshToken));
    const everything = JSON.stringify([rawRows("refresh_tokens"), rawRows("sessions")]);
    expect(everything).not.toContain(refreshToken);
  });

  it("never gives a refresh token that outlives the session", async () => {
    process.env.SESSION_MAX_AGE = "3600";
    process.env.REFRESH_TOKEN_TTL = "7200";
    const { sessionId, refresh } = await login();
    const session = await sessionRow(sessionId);
    const [token] = await refreshRows(sessionId);
    expect(token!.expiresAt.getTime()).toBe(session.expiresAt.getTime());
    expect(refresh!.maxAgeSeconds).toBeLessThanOrEqual(3600);
    expect(refresh!.maxAgeSeconds).toBeGreaterThanOrEqual(3599);
  });
});

describe("rotateRefreshToken", () => {
  it("exchanges a refresh token for a successor and a new access token", async () => {
    const { refreshToken, sessionId, userId } = await login();
    const result = await rotateRefreshToken(refreshToken);
    if (!result.ok) throw new Error(`rotation refused: ${result.reason}`);
    expect(result.userId).toBe(userId);
    expect(result.sessionId).toBe(sessionId);
    expect(result.refresh?.token).toBeDefined();
    expect(result.refresh!.token).not.toBe(refreshToken);
    expect(result.refresh!.maxAgeSeconds).toBe(1_209_600);
    expect(await verifyAccessToken(result.access)).toEqual({ userId, sessionId });

    // The successor works in turn; the rows record the chain.
    const next = await rotateRefreshToken(result.refresh!.token);
    expect(next.ok && next.refresh).toBeTruthy();
    const rows = await refreshRows(sessionId);
    expect(rows).toHaveLength(3);
    expect(rows[0]!.rotatedAt).not.toBeNull();
    expect(rows[0]!.replacedById).toBe(rows[1]!.id);
    expect(rows[1]!.replacedById).toBe(rows[2]!.id);
    expect(rows[2]!.rotatedAt).toBeNull();
    expect(JSON.stringify(rawRows("refresh_tokens"))).not.toContain(result.refresh!.token);
  });

  it("renews the refresh lifetime at each rotation and touches the session", async () => {
    const { refreshToken, sessionId } = await login();
    const later = Date.now() + 3 * 86_400_000;
    const result = await rotateRefreshToken(refreshToken, later);
    expect(result.ok).toBe(true);
    const successor = (await refreshRows(sessionId))[1]!;
    expect(successor.expiresAt.getTime()).toBe(later + 1_209_600_000);
    expect((await sessionRow(sessionId)).lastUsedAt.getTime()).toBe(later);
  });

  it("lets a rotated token be presented again within the grace window: access token, no new refresh token", async () => {
    const { refreshToken, sessionId } = await login();
    const rotatedAt = Date.now();
    const first = await rotateRefreshToken(refreshToken, rotatedAt);
    if (!first.ok || !first.refresh) throw new Error("first rotation failed");

    for (const at of [rotatedAt + 1, rotatedAt + REUSE_GRACE_MS]) {
      const again = await rotateRefreshToken(refreshToken, at);
      if (!again.ok) throw new Error(`grace reuse refused: ${again.reason}`);
      expect(again.refresh).toBeUndefined();
      expect(again.sessionId).toBe(sessionId);
      expect(await verifyAccessToken(again.access)).toMatchObject({ sessionId });
    }
    // The two tabs raced; nobody was revoked, and the successor still rotates.
    expect((await sessionRow(sessionId)).revokedAt).toBeNull();
    expect(await refreshRows(sessionId)).toHaveLength(2);
    expect((await rotateRefreshToken(first.refresh.token, rotatedAt + 2)).ok).toBe(true);
  });

  it("treats a rotated token presented after the window as stolen: the whole session dies", async () => {
    const { refreshToken, sessionId, userId } = await login();
    const rotatedAt = Date.now();
    const first = await rotateRefreshToken(refreshToken, rotatedAt);
    if (!first.ok || !first.refresh) throw new Error("first rotation failed");

    expect(REUSE_GRACE_MS).toBe(30_000);
    const reuse = await rotateRefreshToken(refreshToken, rotatedAt + REUSE_GRACE_MS + 1);
    expect(reuse).toEqual({ ok: false, reason: "reused" });
    expect((await sessionRow(sessionId)).revokedAt).not.toBeNull();

    // The thief's or the owner's successor token is dead, and so are the access tokens.
    expect(await rotateRefreshToken(first.refresh.token, rotatedAt + REUSE_GRACE_MS + 2)).toEqual({ ok: false, reason: "invalid" });
    expect(await accessWorks(first.access)).toBe(false);
    expect(await getUserForAccess({ userId, sessionId })).toBeNull();
  });

  it("keeps other sessions of the user alive when one is revoked for reuse", async () => {
    const user = await createUser({ password: null });
    const victim = await login(user.id);
    const other = await login(user.id);
    const rotatedAt = Date.now();
    await rotateRefreshToken(victim.refreshToken, rotatedAt);
    await rotateRefreshToken(victim.refreshToken, rotatedAt + 60_000);
    expect((await sessionRow(victim.sessionId)).revokedAt).not.toBeNull();
    expect((await sessionRow(other.sessionId)).revokedAt).toBeNull();
    expect(await accessWorks(other.access)).toBe(true);
  });

  it("refuses an unknown token", async () => {
    await login();
    expect(await rotateRefreshToken("never-issued-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaa")).toEqual({ ok: false, reason: "invalid" });
    expect(await rotateRefreshToken("")).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses an expired refresh token", async () => {
    process.env.REFRESH_TOKEN_TTL = "3600";
    const { refreshToken, sessionId } = await login();
    const expiresAt = (await refreshRows(sessionId))[0]!.expiresAt.getTime();
    expect(await rotateRefreshToken(refreshToken, expiresAt)).toEqual({ ok: false, reason: "invalid" });
    expect((await rotateRefreshToken(refreshToken, expiresAt - 1)).ok).toBe(true);
  });

  it("refuses every token once the session has reached SESSION_MAX_AGE, however often it rotated", async () => {
    process.env.SESSION_MAX_AGE = "7200";
    process.env.REFRESH_TOKEN_TTL = "3600";
    const { refreshToken, sessionId } = await login();
    const sessionEnds = (await sessionRow(sessionId)).expiresAt.getTime();

    // Keep rotating within each token's hour; near the end the successor expires with
    // the session, not an hour later.
    let token = refreshToken;
    let late: Awaited<ReturnType<typeof rotateRefreshToken>> | undefined;
    for (const at of [sessionEnds - 4_200_000, sessionEnds - 1_000_000, sessionEnds - 10_000]) {
      late = await rotateRefreshToken(token, at);
      if (!late.ok || !late.refresh) throw new Error(`rotation at ${at} failed`);
      token = late.refresh.token;
    }
    if (!late?.ok || !late.refresh) throw new Error("late rotation failed");
    expect(late.refresh.maxAgeSeconds).toBe(10);
    expect((await refreshRows(sessionId)).at(-1)!.expiresAt.getTime()).toBe(sessionEnds);

    expect(await rotateRefreshToken(late.refresh.token, sessionEnds)).toEqual({ ok: false, reason: "invalid" });
    expect(await getUserForAccess({ userId: late.userId, sessionId }, sessionEnds)).toBeNull();
  });

  it("refuses the tokens of a revoked session", async () => {
    const { refreshToken, sessionId } = await login();
    expect(await revokeSession(sessionId)).toBe(true);
    expect(await rotateRefreshToken(refreshToken)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses the tokens of a deleted user", async () => {
    const { refreshToken, userId } = await login();
    await getDb().delete(users).where(eq(users.id, userId));
    expect(await rotateRefreshToken(refreshToken)).toEqual({ ok: false, reason: "invalid" });
  });
});

describe("access on this app's own endpoints", () => {
  it("authenticates a live session's access token", async () => {
    const { access, sessionId, userId } = await login();
    const auth = await authenticateAccessToken(access);
    if (!auth.ok) throw new Error("refused");
    expect(auth.user.id).toBe(userId);
    expect(auth.sessionId).toBe(sessionId);
  });

  it("says missing for no token and invalid for a bad one", async () => {
    expect(await authenticateAccessToken(null)).toEqual({ ok: false, reason: "missing" });
    expect(await authenticateAccessToken("")).toEqual({ ok: false, reason: "invalid" });
    expect(await authenticateAccessToken("not.a.jwt")).toEqual({ ok: false, reason: "invalid" });
  });

  it("stops at once when the session is revoked, long before the token expires", async () => {
    const { access, sessionId, userId } = await login();
    expect(await verifyAccessToken(access)).not.toBeNull();
    await revokeSession(sessionId);
    expect(await verifyAccessToken(access)).not.toBeNull(); // the signature is still fine...
    expect(await getUserForAccess({ userId, sessionId })).toBeNull(); // ...but this app refuses it
    expect(await authenticateAccessToken(access)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses a token whose user was deleted", async () => {
    const { access, userId } = await login();
    await getDb().delete(users).where(eq(users.id, userId));
    expect(await accessWorks(access)).toBe(false);
  });

  it("refuses a session id paired with another user", async () => {
    const a = await login();
    const b = await login();
    expect(await getUserForAccess({ userId: b.userId, sessionId: a.sessionId })).toBeNull();
    expect((await getUserForAccess({ userId: a.userId, sessionId: a.sessionId }))?.user.id).toBe(a.userId);
  });
});

describe("revocation", () => {
  it("revokeSession is idempotent", async () => {
    const { sessionId } = await login();
    expect(await revokeSession(sessionId)).toBe(true);
    const revokedAt = (await sessionRow(sessionId)).revokedAt;
    expect(await revokeSession(sessionId)).toBe(false);
    expect((await sessionRow(sessionId)).revokedAt).toEqual(revokedAt);
    expect(await revokeSession("no-such-session")).toBe(false);
  });

  it("revokeUserSessions revokes every live session of the user but the one kept", async () => {
    const user = await createUser({ password: null });
    const kept = await login(user.id);
    const second = await login(user.id);
    const third = await login(user.id);
    const stranger = await login();

    expect(await revokeUserSessions(user.id, { exceptSessionId: kept.sessionId })).toBe(2);
    expect(await accessWorks(kept.access)).toBe(true);
    expect((await rotateRefreshToken(kept.refreshToken)).ok).toBe(true);
    for (const gone of [second, third]) {
      expect(await accessWorks(gone.access)).toBe(false);
      expect((await rotateRefreshToken(gone.refreshToken)).ok).toBe(false);
    }
    expect(await accessWorks(stranger.access)).toBe(true);

    expect(await revokeUserSessions(user.id)).toBe(1);
    expect(await accessWorks(kept.access)).toBe(false);
    expect(await revokeUserSessions(user.id)).toBe(0);
  });
});

describe("endSession (logout)", () => {
  it("revokes the session named by the refresh cookie", async () => {
    const { refreshToken, access, sessionId } = await login();
    await endSession({ refreshToken, accessToken: null });
    expect((await sessionRow(sessionId)).revokedAt).not.toBeNull();
    expect(await accessWorks(access)).toBe(false);
    expect((await rotateRefreshToken(refreshToken)).ok).toBe(false);
  });

  it("works with an already rotated refresh token", async () => {
    const { refreshToken, sessionId } = await login();
    const rotated = await rotateRefreshToken(refreshToken);
    if (!rotated.ok || !rotated.refresh) throw new Error("rotation failed");
    await endSession({ refreshToken, accessToken: null });
    expect((await sessionRow(sessionId)).revokedAt).not.toBeNull();
    expect((await rotateRefreshToken(rotated.refresh.token)).ok).toBe(false);
  });

  it("revokes the session named by an access token when there is no cookie", async () => {
    const { access, refreshToken, sessionId } = await login();
    await endSession({ refreshToken: null, accessToken: access });
    expect((await sessionRow(sessionId)).revokedAt).not.toBeNull();
    expect((await rotateRefreshToken(refreshToken)).ok).toBe(false);
  });

  it("touches only that session", async () => {
    const user = await createUser({ password: null });
    const phone = await login(user.id);
    const laptop = await login(user.id);
    await endSession({ refreshToken: phone.refreshToken, accessToken: null });
    expect(await accessWorks(phone.access)).toBe(false);
    expect(await accessWorks(laptop.access)).toBe(true);
  });

  it("ignores unknown or missing credentials", async () => {
    const { access, sessionId } = await login();
    await expect(endSession({ refreshToken: null, accessToken: null })).resolves.toBeUndefined();
    await expect(endSession({ refreshToken: "unknown", accessToken: "garbage" })).resolves.toBeUndefined();
    expect((await sessionRow(sessionId)).revokedAt).toBeNull();
    expect(await accessWorks(access)).toBe(true);
  });
});

describe("a disabled account", () => {
  it("is refused by every authenticated request and every refresh, even while a session of it is live", async () => {
    const { access, refreshToken, userId } = await login();
    await getDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, userId));
    // The session itself is still live here (disabling through lib/admin ends it too).
    expect((await sessionRow((await verifyAccessToken(access))!.sessionId)).revokedAt).toBeNull();
    expect(await authenticateAccessToken(access)).toEqual({ ok: false, reason: "invalid" });
    expect(await rotateRefreshToken(refreshToken)).toEqual({ ok: false, reason: "invalid" });
  });

  it("gets no session from a proof checked before it was disabled", async () => {
    const created = await createUser({ password: null });
    const proof = { credentialsVersion: created.credentialsVersion };
    await getDb().update(users).set({ disabledAt: new Date() }).where(eq(users.id, created.id));
    expect(await startSession({ userId: created.id, ...client }, proof)).toBeNull();
    expect(rawRows("sessions")).toEqual([]);
  });
});
