import "server-only";
import { and, desc, eq } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { sessions } from "@/db/schema";
import type { SessionSummary } from "@/lib/api-schemas";
import { NO_CLIENT, recordSecurityEvent, type Client } from "./activity";
import { liveSession, revokeSession, revokeUserSessions } from "./session";

// A user's view of their own sessions ("devices", ASVS 3.3.4): list them, end any.

const liveSessionsOf = (userId: number, now: number) => and(eq(sessions.userId, userId), liveSession(new Date(now)));

/** Live sessions of a user, newest first, marking the one making the request. */
export async function listUserSessions(userId: number, currentSessionId: string, now = Date.now()): Promise<SessionSummary[]> {
  const rows = await getDb()
    .select()
    .from(sessions)
    .where(liveSessionsOf(userId, now))
    .orderBy(desc(sessions.createdAt), desc(sessions.id));
  return rows.map((s) => ({
      id: s.id,
      created_at: s.createdAt.toISOString(),
      last_used_at: s.lastUsedAt.toISOString(),
      user_agent: s.userAgent,
      ip: s.ip,
      current: s.id === currentSessionId,
    }));
}

/** End one of the user's own live sessions; false when it is not theirs (or not live). */
export async function revokeOwnSession(userId: number, sessionId: string, client: Client = NO_CLIENT, now = Date.now()): Promise<boolean> {
  const [owned] = await getDb()
    .select({ id: sessions.id, userAgent: sessions.userAgent })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), liveSessionsOf(userId, now)));
  if (!owned || !(await revokeSession(owned.id, now))) return false;
  await recordSecurityEvent({ userId, type: "session_revoked", client, detail: { count: 1, user_agent: owned.userAgent } }, now);
  return true;
}

/** "Sign out everywhere else": every live session of the user but `currentSessionId`; how many ended. */
export async function revokeOtherSessions(userId: number, currentSessionId: string, client: Client = NO_CLIENT): Promise<number> {
  const revoked = await revokeUserSessions(userId, { exceptSessionId: currentSessionId });
  if (revoked > 0) await recordSecurityEvent({ userId, type: "session_revoked", client, detail: { count: revoked } });
  return revoked;
}
