import "server-only";
import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import { getDb, preparedQuery, writeTransaction } from "@/db/client";
import { refreshTokens, sessions, users, type User } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { queueEmail } from "@/lib/email/send";
import { refreshReuseEmail } from "@/lib/email/templates";
import { log } from "@/lib/log";
import { signAccessToken, verifyAccessToken, type AccessClaims } from "./tokens";

// One session per login. Its refresh tokens are opaque, stored as SHA-256, and rotate on
// every use; a rotated token presented again inside the grace window is two tabs racing,
// later it is theft and the whole session dies (RFC 9700 §4.14.2, docs/decisions).

export const REUSE_GRACE_MS = 30_000;

export type SessionGrant = {
  access: string;
  sessionId: string;
  /** The new refresh token and its cookie lifetime; absent on a grace-window reuse. */
  refresh?: { token: string; maxAgeSeconds: number };
};

export type RotateResult =
  | ({ ok: true; userId: number } & SessionGrant)
  | { ok: false; reason: "invalid" }
  /** The theft signal: the session is revoked, and `emailId` tells its owner. */
  | { ok: false; reason: "reused"; emailId: number | null };

function issueRefreshToken(tx: Pick<ReturnType<typeof getDb>, "insert">, sessionId: string, sessionExpiresAt: Date, now: number) {
  const token = randomToken(32);
  const expiresAt = new Date(Math.min(now + getEnv().REFRESH_TOKEN_TTL * 1000, sessionExpiresAt.getTime()));
  const row = tx
    .insert(refreshTokens)
    .values({ sessionId, tokenHash: sha256(token), createdAt: new Date(now), expiresAt })
    .returning({ id: refreshTokens.id })
    .get();
  return { id: row.id, token, maxAgeSeconds: Math.floor((expiresAt.getTime() - now) / 1000) };
}

/** Start a session for a user who has just proven who they are. */
export async function startSession(input: {
  userId: number;
  userAgent: string | null;
  ip: string | null;
}): Promise<SessionGrant> {
  const now = Date.now();
  const sessionId = randomToken(16);
  const expiresAt = new Date(now + getEnv().SESSION_MAX_AGE * 1000);
  const refresh = writeTransaction((tx) => {
    tx.insert(sessions)
      .values({
        id: sessionId,
        userId: input.userId,
        createdAt: new Date(now),
        lastUsedAt: new Date(now),
        expiresAt,
        userAgent: input.userAgent,
        ip: input.ip,
      })
      .run();
    return issueRefreshToken(tx, sessionId, expiresAt, now);
  });
  const access = await signAccessToken({ userId: input.userId, sessionId });
  return { access, sessionId, refresh: { token: refresh.token, maxAgeSeconds: refresh.maxAgeSeconds } };
}

type RotateDecision =
  | { kind: "invalid" }
  | { kind: "reused"; userId: number; sessionId: string; emailId: number | null }
  | { kind: "grace"; userId: number; sessionId: string }
  | { kind: "rotated"; userId: number; sessionId: string; token: string; maxAgeSeconds: number };

/** Exchange a refresh token for its successor and a new access token. */
export async function rotateRefreshToken(token: string, now = Date.now()): Promise<RotateResult> {
  // Prepared once: every refresh runs these (docs/benchmarks.md). They run on the same
  // connection, so inside the transaction below.
  const db = getDb();
  const byHash = preparedQuery(db, "refresh-token-by-hash", (d) =>
    d
      .select({ token: refreshTokens, session: sessions })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .where(eq(refreshTokens.tokenHash, sql.placeholder("tokenHash")))
      .prepare(),
  );
  const touchSession = preparedQuery(db, "touch-session", (d) =>
    d.update(sessions).set({ lastUsedAt: sql`${sql.placeholder("now")}` }).where(eq(sessions.id, sql.placeholder("sessionId"))).prepare(),
  );
  const claimToken = preparedQuery(db, "claim-refresh-token", (d) =>
    d
      .update(refreshTokens)
      .set({ rotatedAt: sql`${sql.placeholder("now")}` })
      .where(and(eq(refreshTokens.id, sql.placeholder("id")), isNull(refreshTokens.rotatedAt)))
      .prepare(),
  );
  const linkSuccessor = preparedQuery(db, "link-refresh-successor", (d) =>
    d.update(refreshTokens).set({ replacedById: sql`${sql.placeholder("successorId")}` }).where(eq(refreshTokens.id, sql.placeholder("id"))).prepare(),
  );
  const decision = writeTransaction((tx): RotateDecision => {
    const row = byHash.get({ tokenHash: sha256(token) });
    if (!row) return { kind: "invalid" };
    const { session } = row;
    if (session.revokedAt || session.expiresAt.getTime() <= now || row.token.expiresAt.getTime() <= now) {
      return { kind: "invalid" };
    }
    // Placeholders are bound as they are: timestamps in milliseconds.
    const touch = () => touchSession.run({ now, sessionId: session.id });

    if (row.token.rotatedAt) {
      if (now - row.token.rotatedAt.getTime() <= REUSE_GRACE_MS) {
        touch();
        return { kind: "grace", userId: session.userId, sessionId: session.id };
      }
      tx.update(sessions).set({ revokedAt: new Date(now) }).where(eq(sessions.id, session.id)).run();
      const owner = tx.select({ email: users.email, username: users.username }).from(users).where(eq(users.id, session.userId)).get();
      const emailId = owner
        ? queueEmail(
            tx,
            refreshReuseEmail({ to: owner.email, username: owner.username, resetUrl: `${getEnv().APP_URL}/reset-password/` }),
            "notice",
            now,
          )
        : null;
      return { kind: "reused", userId: session.userId, sessionId: session.id, emailId };
    }

    // Guarded by rotated_at IS NULL so that two processes cannot both rotate it.
    const claimed = claimToken.run({ now, id: row.token.id });
    if (claimed.changes === 0) return { kind: "grace", userId: session.userId, sessionId: session.id };
    const successor = issueRefreshToken(tx, session.id, session.expiresAt, now);
    linkSuccessor.run({ successorId: successor.id, id: row.token.id });
    touch();
    return { kind: "rotated", userId: session.userId, sessionId: session.id, ...successor };
  });

  if (decision.kind === "invalid") return { ok: false, reason: "invalid" };
  if (decision.kind === "reused") {
    // Ids only: the token itself never reaches a log line (docs/security.md, signals).
    log.warn("refresh token reused after rotation: session revoked", { userId: decision.userId, sessionId: decision.sessionId });
    return { ok: false, reason: "reused", emailId: decision.emailId };
  }
  const access = await signAccessToken({ userId: decision.userId, sessionId: decision.sessionId });
  const grant = { ok: true as const, userId: decision.userId, sessionId: decision.sessionId, access };
  return decision.kind === "rotated"
    ? { ...grant, refresh: { token: decision.token, maxAgeSeconds: decision.maxAgeSeconds } }
    : grant;
}

/** The live session a refresh token belongs to, whatever the token's own state. */
export function findSessionIdByRefreshToken(token: string): string | null {
  const row = getDb()
    .select({ sessionId: refreshTokens.sessionId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, sha256(token)))
    .get();
  return row?.sessionId ?? null;
}

/** Revoke one session: its refresh tokens stop at once, its access tokens on this app too. */
export function revokeSession(sessionId: string, now = Date.now()): boolean {
  const result = getDb()
    .update(sessions)
    .set({ revokedAt: new Date(now) })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .run();
  return result.changes > 0;
}

/** Revoke every live session of a user, but `exceptSessionId` if given. */
export function revokeUserSessions(
  userId: number,
  options: { exceptSessionId?: string; now?: number; tx?: Pick<ReturnType<typeof getDb>, "update"> } = {},
): number {
  const db = options.tx ?? getDb();
  const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt)];
  if (options.exceptSessionId) conditions.push(ne(sessions.id, options.exceptSessionId));
  return db
    .update(sessions)
    .set({ revokedAt: new Date(options.now ?? Date.now()) })
    .where(and(...conditions))
    .run().changes;
}

/**
 * The user behind a verified access token, if its session is still live. Called on
 * every authenticated request so that logout and revocation take effect at once.
 */
export function getUserForAccess(claims: AccessClaims, now = Date.now()): User | null {
  const query = preparedQuery(getDb(), "user-for-access", (db) =>
    db
      .select({ user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.id, sql.placeholder("sessionId")),
          eq(sessions.userId, sql.placeholder("userId")),
          isNull(sessions.revokedAt),
          // A placeholder is bound as is: expires_at holds milliseconds.
          gt(sessions.expiresAt, sql.placeholder("now")),
        ),
      )
      .prepare(),
  );
  const row = query.get({ sessionId: claims.sessionId, userId: claims.userId, now });
  return row?.user ?? null;
}

export type Authentication =
  | { ok: true; user: User; sessionId: string }
  | { ok: false; reason: "missing" | "invalid" };

/** A Bearer access token to its user: signature, claims, and a live session. */
export async function authenticateAccessToken(token: string | null): Promise<Authentication> {
  if (token === null) return { ok: false, reason: "missing" };
  const claims = token ? await verifyAccessToken(token) : null;
  const user = claims ? getUserForAccess(claims) : null;
  return user && claims ? { ok: true, user, sessionId: claims.sessionId } : { ok: false, reason: "invalid" };
}

/**
 * Logout: revoke the session named by the refresh cookie or, for clients that hold
 * no cookie, by a valid access token. Idempotent; unknown tokens are ignored.
 */
export async function endSession(credentials: { refreshToken: string | null; accessToken: string | null }): Promise<void> {
  const fromCookie = credentials.refreshToken ? findSessionIdByRefreshToken(credentials.refreshToken) : null;
  if (fromCookie) {
    revokeSession(fromCookie);
    return;
  }
  const claims = credentials.accessToken ? await verifyAccessToken(credentials.accessToken) : null;
  if (claims) revokeSession(claims.sessionId);
}
