import "server-only";
import { and, asc, desc, eq, gt, lt, or, type SQL } from "drizzle-orm";
import { getDb, type Queryable } from "@/lib/db";
import { securityEvents, type SecurityEventType, type User } from "@/db/schema";
import { queueEmail } from "@/lib/email/send";
import { accountChangeEmail, type AccountChange } from "@/lib/email/templates";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import type { ActivityItem } from "@/lib/api-schemas";

// Security activity (docs/api.md): what happened to an account, for its owner to read on
// the profile. Its own table, kept 90 days; the trim runs on a timer, not per request.

export const ACTIVITY_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
export const ACTIVITY_LIST_LIMIT = 50;
const TRIM_INTERVAL_MS = 60 * 60 * 1000;

/** Who was at the other end: the request's address and user agent. */
export type Client = { ip: string | null; userAgent: string | null };

/** For a caller with no request at hand (a script, a unit test): the event is still recorded. */
export const NO_CLIENT: Client = { ip: null, userAgent: null };

export type SecurityEventInput = {
  userId: number;
  type: SecurityEventType;
  client: Client;
  detail?: Record<string, unknown>;
};


const row = (event: SecurityEventInput, now: number) => ({
  userId: event.userId,
  type: event.type,
  at: new Date(now),
  ip: event.client.ip,
  userAgent: event.client.userAgent,
  detail: event.detail ?? {},
});

/** Record an event on its own. */
export async function recordSecurityEvent(event: SecurityEventInput, now = Date.now()): Promise<void> {
  await getDb().insert(securityEvents).values(row(event, now));
}

/** Record an event inside the transaction of the change it describes, so both or neither stay. */
export async function recordSecurityEventIn(tx: Queryable, event: SecurityEventInput, now = Date.now()): Promise<void> {
  await tx.insert(securityEvents).values(row(event, now));
}

/**
 * Record an event and tell the owner by email, inside the change's transaction: a second
 * factor on or off, a recovery code used, a passkey added, a provider linked. The mail
 * goes after the answer once the transaction commits (lib/after-commit.ts).
 */
export async function recordAndNotifyIn(tx: Queryable, input: { user: Pick<User, "id" | "email" | "username">; event: Omit<SecurityEventInput, "userId">; change: AccountChange }, now = Date.now()): Promise<void> {
  await recordSecurityEventIn(tx, { ...input.event, userId: input.user.id }, now);
  const appUrl = getEnv().APP_URL;
  const message = accountChangeEmail({
    to: input.user.email,
    username: input.user.username,
    change: input.change,
    profileUrl: `${appUrl}/profile/`,
    resetUrl: `${appUrl}/reset-password/`,
  });
  // A notice, never capped: whoever filled the address's cap must not silence it.
  await queueEmail(tx, message, "notice", now);
}

/**
 * Where a page of events starts or ends, in the order events are listed (time, then id):
 * opaque to clients, which only hand back what a `Link` header gave them
 * (docs/decisions/037).
 */
export type ActivityCursor = { at: number; id: number };

export const encodeActivityCursor = (c: ActivityCursor): string => Buffer.from(`${c.at}.${c.id}`).toString("base64url");

export function decodeActivityCursor(value: string): ActivityCursor | null {
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(value, "base64url").toString("latin1"));
  return match ? { at: Number(match[1]), id: Number(match[2]) } : null;
}

export type ActivityPage = {
  events: ActivityItem[];
  /** Where the next older page starts (`?before=`), or null at the oldest event. */
  older: string | null;
  /** Where the next newer page starts (`?after=`), or null on the newest page. */
  newer: string | null;
};

/**
 * The user's events, newest first: the newest `limit` (50 by default, the first page and
 * the whole answer of clients that do not page), or the `limit` just older than `before`,
 * or just newer than `after`.
 */
export async function listSecurityEvents(
  userId: number,
  page: { limit?: number; before?: ActivityCursor; after?: ActivityCursor } = {},
): Promise<ActivityPage> {
  const limit = page.limit ?? ACTIVITY_LIST_LIMIT;
  const { at, id } = securityEvents;
  const beyond = (c: ActivityCursor, cmp: typeof lt): SQL => or(cmp(at, new Date(c.at)), and(eq(at, new Date(c.at)), cmp(id, c.id)))!;
  const forward = page.after !== undefined;
  const rows = await getDb()
    .select()
    .from(securityEvents)
    .where(and(eq(securityEvents.userId, userId), page.after ? beyond(page.after, gt) : page.before ? beyond(page.before, lt) : undefined))
    .orderBy(...(forward ? [asc(at), asc(id)] : [desc(at), desc(id)]))
    .limit(limit + 1);
  // One more than asked: whether there is anything beyond this page.
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  if (forward) shown.reverse();
  const cursorOf = (e: (typeof rows)[number] | undefined) => (e ? encodeActivityCursor({ at: e.at.getTime(), id: e.id }) : null);
  return {
    events: shown.map((e) => ({ type: e.type, at: e.at.toISOString(), ip: e.ip, user_agent: e.userAgent, detail: e.detail })),
    older: (forward || more) && shown.length ? cursorOf(shown.at(-1)) : null,
    newer: (forward ? more : page.before !== undefined) && shown.length ? cursorOf(shown[0]) : null,
  };
}

/** Delete events older than 90 days; returns how many went. */
export async function trimSecurityEvents(now = Date.now()): Promise<number> {
  const gone = await getDb()
    .delete(securityEvents)
    .where(lt(securityEvents.at, new Date(now - ACTIVITY_RETENTION_MS)))
    .returning({ id: securityEvents.id });
  return gone.length;
}

/**
 * At startup and then hourly (lib/startup.ts), like the outbox retry: old security events,
 * and whatever else `others` trims (expired WebAuthn challenges and mfa tokens).
 */
export function scheduleSecurityEventTrim(others: Record<string, () => Promise<number>> = {}): void {
  const jobs = { "old security events": () => trimSecurityEvents(), ...others };
  const trim = () =>
    Object.entries(jobs).forEach(([what, job]) =>
      job()
        .then((count) => count && log.info(`trimmed ${what}`, { count }))
        .catch((error: unknown) => log.error(`trimming ${what} failed`, { error })),
    );
  void trim();
  setInterval(() => void trim(), TRIM_INTERVAL_MS).unref();
}
