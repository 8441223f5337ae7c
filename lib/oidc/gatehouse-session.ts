import "server-only";
import type { IncomingMessage } from "node:http";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { sessionReauthentications } from "@/db/schema";
import { REUSE_GRACE_MS, findRefreshToken } from "@/lib/auth/session";
import { REFRESH_COOKIE } from "@/lib/http/cookies";

// The browser's Gatehouse session, as the provider and its interaction routes see it:
// read from the refresh cookie (Path=/api/auth/, which is why every provider path is under
// /api/auth/oidc/), never rotated here (a rotation belongs to the page's own refresh, and a
// second one from here would race it), and never taken for theft: a cookie a moment old
// (the grace window of a refresh in another tab) still names its live session.

export type GatehouseSession = {
  id: string;
  userId: number;
  /** When the user last proved who they are in it (sign-in or re-authentication): auth_time. */
  authenticatedAt: number;
};

/** The cookie's value from a raw Cookie header (the last one of that name, as browsers send one). */
export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  let found: string | null = null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) found = part.slice(eq + 1).trim();
  }
  if (!found) return null;
  try {
    return decodeURIComponent(found);
  } catch {
    return null;
  }
}

export async function currentGatehouseSession(req: IncomingMessage, now = Date.now()): Promise<GatehouseSession | null> {
  const token = readCookie(req, REFRESH_COOKIE);
  if (!token || token.length > 200) return null;
  const row = await findRefreshToken(getDb(), token, new Date(now));
  if (!row || row.token.expiresAt.getTime() <= now) return null;
  if (row.token.rotatedAt && now - row.token.rotatedAt.getTime() > REUSE_GRACE_MS) return null;
  const [reauth] = await getDb()
    .select({ at: sessionReauthentications.at })
    .from(sessionReauthentications)
    .where(eq(sessionReauthentications.sessionId, row.session.id));
  return {
    id: row.session.id,
    userId: row.session.userId,
    authenticatedAt: Math.max(row.session.createdAt.getTime(), reauth?.at.getTime() ?? 0),
  };
}
