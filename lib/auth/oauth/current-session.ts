import "server-only";
import { and, eq, gt, isNull } from "drizzle-orm";
import { getDb } from "@/db/client";
import { refreshTokens, sessions } from "@/db/schema";
import { sha256 } from "@/lib/crypto";
import { REUSE_GRACE_MS } from "@/lib/auth/session";

export type CurrentSession = { userId: number; sessionId: string };

/**
 * Who is signed in in this browser, from the refresh cookie (its path `/api/auth/`
 * covers the social routes, docs/api.md "Linking from the profile"). Only a live session
 * counts, and only a token that is current: one rotated beyond the grace window is a
 * stolen token (session.ts), and session.ts deals with it on refresh, not here.
 */
export function findCurrentSession(refreshToken: string | null, now = Date.now()): CurrentSession | null {
  if (!refreshToken) return null;
  const row = getDb()
    .select({ userId: sessions.userId, sessionId: sessions.id, rotatedAt: refreshTokens.rotatedAt })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(
      and(
        eq(refreshTokens.tokenHash, sha256(refreshToken)),
        gt(refreshTokens.expiresAt, new Date(now)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, new Date(now)),
      ),
    )
    .get();
  if (!row) return null;
  if (row.rotatedAt && now - row.rotatedAt.getTime() > REUSE_GRACE_MS) return null;
  return { userId: row.userId, sessionId: row.sessionId };
}
