import "server-only";
import { and, eq, gt, isNull, ne, sql, type SQL } from "drizzle-orm";
import { getDb, preparedQuery, writeTransaction, type Queryable } from "@/lib/db";
import { refreshTokens, sessionReauthentications, sessions, users, type Session, type User } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { queueEmail } from "@/lib/email/send";
import { refreshReuseEmail } from "@/lib/email/templates";
import { log } from "@/lib/log";
import { endProviderSessions } from "@/lib/oidc/session-end";
import { NO_CLIENT, recordSecurityEvent, recordSecurityEventIn, type Client, type SecurityEventInput } from "./activity";
import { signAccessToken, verifyAccessToken, type AccessClaims } from "./tokens";

// The session idea, in one place. One session per login. Its refresh tokens are opaque,
// stored as SHA-256, and rotate on every use; a rotated token presented again inside the
// grace window is two tabs racing, later it is theft and the whole session dies (RFC 9700
// §4.14.2, docs/decisions/002). A session is live while it is neither revoked nor past
// SESSION_MAX_AGE (liveSession); a refresh token is found by its hash (findRefreshToken).
// session-list.ts (the user's devices) and oauth/current-session.ts build on these two.

export const REUSE_GRACE_MS = 30_000;

/**
 * The one "live session" predicate: not revoked, not past its expires_at (SESSION_MAX_AGE
 * after login, whatever the rotations). `now` is a Date, or a placeholder bound as one.
 */
export function liveSession(now: Date | SQL): SQL {
  return and(isNull(sessions.revokedAt), gt(sessions.expiresAt, now))!;
}

export type RefreshTokenRow = { token: typeof refreshTokens.$inferSelect; session: Session };

/**
 * The one "refresh token by hash" lookup: the token and its session, when the session is
 * live and its account not disabled, whatever the token's own state (rotated, expired):
 * each caller decides what that state means to it.
 */
export async function findRefreshToken(q: Queryable, token: string, now: Date): Promise<RefreshTokenRow | null> {
  // Built once: every refresh runs it (docs/benchmarks.md).
  const query = preparedQuery(q, "refresh-token-by-hash", (q) =>
    q
      .select({ token: refreshTokens, session: sessions })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      // Disabling ends the sessions too; this holds for one a racing sign-in started.
      .innerJoin(users, and(eq(users.id, sessions.userId), isNull(users.disabledAt)))
      .where(and(eq(refreshTokens.tokenHash, sql.placeholder("tokenHash")), liveSession(bindTime("now", sessions.expiresAt))))
      .prepare(),
  );
  const [row] = await query.execute({ tokenHash: sha256(token), now });
  return row ?? null;
}

/** A placeholder for a time, bound through `column` (as a Date) like any value of it. */
function bindTime(name: string, column: typeof sessions.expiresAt): SQL {
  return sql`${sql.param(sql.placeholder(name), column)}`;
}

export type SessionGrant = {
  access: string;
  sessionId: string;
  /** The new refresh token and its cookie lifetime; absent on a grace-window reuse. */
  refresh?: { token: string; maxAgeSeconds: number };
  /** A sign-in's device cookie (lib/auth/device.ts); refreshes have none. */
  deviceToken?: string;
};

export type RotateResult =
  | ({ ok: true; userId: number } & SessionGrant)
  | { ok: false; reason: "invalid" }
  /** The theft signal: the session is revoked, and its owner is told by email. */
  | { ok: false; reason: "reused" };

async function issueRefreshToken(tx: Queryable, sessionId: string, sessionExpiresAt: Date, now: number) {
  const token = randomToken(32);
  const expiresAt = new Date(Math.min(now + getEnv().REFRESH_TOKEN_TTL * 1000, sessionExpiresAt.getTime()));
  const [row] = await tx
    .insert(refreshTokens)
    .values({ sessionId, tokenHash: sha256(token), createdAt: new Date(now), expiresAt })
    .returning({ id: refreshTokens.id });
  return { id: row!.id, token, maxAgeSeconds: Math.floor((expiresAt.getTime() - now) / 1000) };
}

/** What a sign-in proved, for the session's transaction to check it still stands. */
export type SignInProof = {
  /** users.credentials_version the first step was proven against (lib/auth/credentials.ts). */
  credentialsVersion: number;
  /** What proved the second factor, if one did (a passkey is both). */
  secondFactor?: "totp" | "recovery_code" | "passkey";
  /** A re-hash of the proven password (weaker parameters, an imported hash): written only if `from` still stands. */
  passwordUpgrade?: { from: string; to: string };
};

/**
 * Start a session for a user who has just proven who they are; `event`, when given, is
 * recorded in the same transaction (the login's activity entry). Null, and nothing
 * written, when the credentials the proof was checked against changed meanwhile (a
 * reset, a password change, a second factor turned on or off): the proof is stale.
 */
export async function startSession(
  input: { userId: number; userAgent: string | null; ip: string | null },
  proof: SignInProof,
  event?: Pick<SecurityEventInput, "type" | "detail">,
): Promise<SessionGrant | null> {
  const now = Date.now();
  const sessionId = randomToken(16);
  const expiresAt = new Date(now + getEnv().SESSION_MAX_AGE * 1000);
  const refresh = await writeTransaction(async (tx) => {
    // First, and in one statement that decides and writes: the proof still stands. A
    // change that commits after this one ends the session below with the others.
    const upgrade = proof.passwordUpgrade;
    const stands = await tx
      .update(users)
      .set(upgrade ? { lastLoginAt: new Date(now), passwordHash: upgrade.to } : { lastLoginAt: new Date(now) })
      .where(
        and(
          eq(users.id, input.userId),
          eq(users.credentialsVersion, proof.credentialsVersion),
          // Disabled meanwhile (an administrator, lib/admin/actions.ts): no session.
          isNull(users.disabledAt),
          upgrade ? eq(users.passwordHash, upgrade.from) : undefined,
        ),
      )
      .returning({ id: users.id });
    if (stands.length === 0) return null;
    await tx.insert(sessions).values({
      id: sessionId,
      userId: input.userId,
      createdAt: new Date(now),
      lastUsedAt: new Date(now),
      expiresAt,
      userAgent: input.userAgent,
      ip: input.ip,
      secondFactor: proof.secondFactor ?? null,
    });
    if (event) await recordSecurityEventIn(tx, { ...event, userId: input.userId, client: input }, now);
    return issueRefreshToken(tx, sessionId, expiresAt, now);
  });
  if (!refresh) return null;
  const access = await signAccessToken({ userId: input.userId, sessionId });
  return { access, sessionId, refresh: { token: refresh.token, maxAgeSeconds: refresh.maxAgeSeconds } };
}

type RotateDecision =
  | { kind: "invalid" }
  | { kind: "reused"; userId: number; sessionId: string }
  | { kind: "grace"; userId: number; sessionId: string }
  | { kind: "rotated"; userId: number; sessionId: string; token: string; maxAgeSeconds: number };

/** Thrown inside a rotation whose claim lost to another: rolls its successor back. */
class RotatedMeanwhile extends Error {}

/** Exchange a refresh token for its successor and a new access token. */
export async function rotateRefreshToken(token: string, now = Date.now(), client: Client = NO_CLIENT): Promise<RotateResult> {
  // The decision and its writes are one transaction; the access token is signed after it
  // commits, so that no signing happens while this process's writers wait on the gate.
  // On PostgreSQL nothing else waits for it (docs/decisions/003): the one row it must
  // decide on, the presented token, is claimed by a conditional UPDATE, the transaction's
  // last statement, so its lock is held for one round trip, the COMMIT.
  const at = new Date(now);
  const decision = await writeTransaction(async (tx): Promise<RotateDecision> => {
    const row = await findRefreshToken(tx, token, at);
    if (!row || row.token.expiresAt.getTime() <= now) return { kind: "invalid" };
    const { session } = row;

    if (row.token.rotatedAt) {
      if (now - row.token.rotatedAt.getTime() <= REUSE_GRACE_MS) return { kind: "grace", userId: session.userId, sessionId: session.id };
      await revokeSessionsWhere(tx, eq(sessions.id, session.id), now);
      await recordSecurityEventIn(tx, { userId: session.userId, type: "refresh_reuse", client, detail: {} }, now);
      const [owner] = await tx.select({ email: users.email, username: users.username }).from(users).where(eq(users.id, session.userId));
      if (owner) {
        await queueEmail(tx, refreshReuseEmail({ to: owner.email, username: owner.username, resetUrl: `${getEnv().APP_URL}/reset-password/` }), "notice", now);
      }
      return { kind: "reused", userId: session.userId, sessionId: session.id };
    }

    // The successor first, then the claim that names it, guarded by rotated_at IS NULL:
    // of two rotations at once (two tabs, two instances) one claims; the other's claim
    // finds it rotated, and its successor is rolled back.
    const successor = await issueRefreshToken(tx, session.id, session.expiresAt, now);
    const claimed = await tx
      .update(refreshTokens)
      .set({ rotatedAt: at, replacedById: successor.id })
      .where(and(eq(refreshTokens.id, row.token.id), isNull(refreshTokens.rotatedAt)))
      .returning({ id: refreshTokens.id });
    if (claimed.length === 0) throw new RotatedMeanwhile();
    return { kind: "rotated", userId: session.userId, sessionId: session.id, ...successor };
  }).catch(async (error: unknown): Promise<RotateDecision> => {
    if (!(error instanceof RotatedMeanwhile)) throw error;
    // Inside the grace window by definition: it was rotated a moment ago.
    const row = await findRefreshToken(getDb(), token, at);
    return row ? { kind: "grace", userId: row.session.userId, sessionId: row.session.id } : { kind: "invalid" };
  });
  // The session's last use, outside the transaction: informational, and no lock to hold.
  if (decision.kind === "grace" || decision.kind === "rotated") {
    await getDb().update(sessions).set({ lastUsedAt: at }).where(eq(sessions.id, decision.sessionId));
  }

  if (decision.kind === "invalid") return { ok: false, reason: "invalid" };
  if (decision.kind === "reused") {
    // Ids only: the token itself never reaches a log line (docs/security.md, signals).
    log.warn("refresh token reused after rotation: session revoked", { userId: decision.userId, sessionId: decision.sessionId });
    return { ok: false, reason: "reused" };
  }
  const access = await signAccessToken({ userId: decision.userId, sessionId: decision.sessionId });
  const grant = { ok: true as const, userId: decision.userId, sessionId: decision.sessionId, access };
  return decision.kind === "rotated"
    ? { ...grant, refresh: { token: decision.token, maxAgeSeconds: decision.maxAgeSeconds } }
    : grant;
}

/**
 * Record that the session's user proved who they are again, and how (lib/auth/reauth.ts
 * decides what counts as recent).
 */
export async function recordReauthenticationIn(q: Queryable, sessionId: string, method: "password" | "totp" | "passkey", now = Date.now()): Promise<void> {
  const at = new Date(now);
  await q
    .insert(sessionReauthentications)
    .values({ sessionId, at, method })
    .onConflictDoUpdate({ target: sessionReauthentications.sessionId, set: { at, method } });
}

/**
 * The one way a session ends, whatever ends it: revoke the live sessions matching `where`
 * and, in the same transaction, everything that came from them in the OpenID Connect
 * provider (its sessions and grants; the apps' back-channel logout tokens are queued:
 * lib/oidc/session-end.ts). Every path that ends sessions comes through here.
 */
export async function revokeSessionsWhere(tx: Queryable, where: SQL, now = Date.now()): Promise<string[]> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: new Date(now) })
    .where(and(where, isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  const ids = revoked.map((row) => row.id);
  await endProviderSessions(tx, ids);
  return ids;
}

/** Revoke one session: its refresh tokens stop at once, its access tokens on this app too. */
export async function revokeSession(sessionId: string, now = Date.now()): Promise<boolean> {
  const revoked = await writeTransaction((tx) => revokeSessionsWhere(tx, eq(sessions.id, sessionId), now));
  return revoked.length > 0;
}

/** Revoke every live session of a user, but `exceptSessionId` if given. */
export async function revokeUserSessions(
  userId: number,
  options: { exceptSessionId?: string; now?: number; tx?: Queryable } = {},
): Promise<number> {
  const conditions = [eq(sessions.userId, userId)];
  if (options.exceptSessionId) conditions.push(ne(sessions.id, options.exceptSessionId));
  const run = (tx: Queryable) => revokeSessionsWhere(tx, and(...conditions)!, options.now ?? Date.now());
  const revoked = options.tx ? await run(options.tx) : await writeTransaction(run);
  return revoked.length;
}

/** What proved the second factor at a session's sign-in (sessions.second_factor), if anything did. */
export type SessionSecondFactor = Session["secondFactor"];

/**
 * The user behind a verified access token, if its session is still live and the account
 * is not disabled, with what proved the session's second factor (administrators need
 * one: lib/admin/access.ts). Called on every authenticated request so that logout,
 * revocation and disabling take effect at once.
 */
export async function getUserForAccess(claims: AccessClaims, now = Date.now()): Promise<{ user: User; secondFactor: SessionSecondFactor } | null> {
  // Built once (docs/benchmarks.md).
  const query = preparedQuery(getDb(), "user-for-access", (db) =>
    db
      .select({ user: users, secondFactor: sessions.secondFactor })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.id, sql.placeholder("sessionId")),
          eq(sessions.userId, sql.placeholder("userId")),
          liveSession(bindTime("now", sessions.expiresAt)),
          // Disabling ends every session too; this holds even against a session started
          // by a sign-in that raced it (docs/security.md, administration).
          isNull(users.disabledAt),
        ),
      )
      .prepare(),
  );
  const [row] = await query.execute({ sessionId: claims.sessionId, userId: claims.userId, now: new Date(now) });
  return row ?? null;
}

export type Authentication =
  | { ok: true; user: User; sessionId: string; secondFactor: SessionSecondFactor }
  | { ok: false; reason: "missing" | "invalid" };

/** A Bearer access token to its user: signature, claims, a live session and an account not disabled. */
export async function authenticateAccessToken(token: string | null): Promise<Authentication> {
  if (token === null) return { ok: false, reason: "missing" };
  const claims = token ? await verifyAccessToken(token) : null;
  const found = claims ? await getUserForAccess(claims) : null;
  return found && claims ? { ok: true, user: found.user, sessionId: claims.sessionId, secondFactor: found.secondFactor } : { ok: false, reason: "invalid" };
}

/**
 * Logout: revoke the session named by the refresh cookie or, for clients that hold
 * no cookie, by a valid access token. Idempotent; unknown tokens are ignored.
 */
export async function endSession(credentials: { refreshToken: string | null; accessToken: string | null }, client: Client = NO_CLIENT): Promise<void> {
  const fromCookie = credentials.refreshToken ? await findRefreshToken(getDb(), credentials.refreshToken, new Date()) : null;
  const claims = !fromCookie && credentials.accessToken ? await verifyAccessToken(credentials.accessToken) : null;
  const ended = fromCookie ? { sessionId: fromCookie.session.id, userId: fromCookie.session.userId } : claims;
  // Recorded only when this call ended it: a repeated logout is not a second event.
  if (ended && (await revokeSession(ended.sessionId))) {
    await recordSecurityEvent({ userId: ended.userId, type: "logout", client, detail: {} });
  }
}
