import "server-only";
import { getDb } from "@/lib/db";
import { findRefreshToken, REUSE_GRACE_MS } from "@/lib/auth/session";

export type CurrentSession = { userId: number; sessionId: string };

/**
 * Who is signed in in this browser, from the refresh cookie (its path `/api/auth/`
 * covers the social routes, docs/api.md "Linking from the profile"). Only a live session
 * counts, and only a token that is current: one rotated beyond the grace window is a
 * stolen token (session.ts), and session.ts deals with it on refresh, not here.
 */
export async function findCurrentSession(refreshToken: string | null, now = Date.now()): Promise<CurrentSession | null> {
  if (!refreshToken) return null;
  const row = await findRefreshToken(getDb(), refreshToken, new Date(now));
  if (!row || row.token.expiresAt.getTime() <= now) return null;
  if (row.token.rotatedAt && now - row.token.rotatedAt.getTime() > REUSE_GRACE_MS) return null;
  return { userId: row.session.userId, sessionId: row.session.id };
}
