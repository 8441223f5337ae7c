import "server-only";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { getDb, type Queryable } from "@/lib/db";
import { backchannelLogouts } from "@/db/schema";
import { log } from "@/lib/log";
import { singleton } from "@/lib/singleton";

// Back-channel logout (OpenID Back-Channel Logout 1.0) through an outbox, like email
// (lib/email/send.ts, docs/decisions/006 and 043): a row per (client, sid) is written in
// the transaction that ends the session, so no ending is lost to a crash; each instance's
// delivery passes claim a row with one conditional update (a lease, so a crashed sender's
// claim lapses), and oidc-provider itself makes, signs and posts the logout token.

const MAX_ATTEMPTS = 5;
export const BACKCHANNEL_LEASE_MS = 10_000;

export type BackchannelLogout = { clientId: string; sub: string; sid: string };

/** Queue logout tokens inside the caller's transaction; a repeat of (client, sid) is a no-op. */
export async function queueBackchannelLogout(q: Queryable, items: BackchannelLogout[]): Promise<void> {
  if (items.length === 0) return;
  await q.insert(backchannelLogouts).values(items).onConflictDoNothing();
  deliverSoon();
}

type Sender = (clientId: string, sub: string, sid: string) => Promise<"sent" | "no_client">;
// Process-wide (lib/singleton.ts): a route's bundle queues, the provider's bundle registered the sender.
const outbox = singleton("oidc-backchannel", () => ({ sender: null as Sender | null, scheduled: null as NodeJS.Timeout | null, again: false, running: false }));

/** The provider registers how a token is sent (its own Client#backchannelLogout). */
export function registerBackchannelSender(send: Sender): void {
  outbox.sender = send;
}

/** A delivery pass shortly after the queuing transaction has committed (and one more if one is running). */
function deliverSoon(): void {
  if (!outbox.sender) return;
  if (outbox.running) {
    outbox.again = true;
    return;
  }
  if (outbox.scheduled) return;
  // Once more a little later: a queuing transaction that outlasts the first pass (a password
  // reset's, on PostgreSQL) commits its rows after that pass looked; the minute's pass is the net.
  setTimeout(() => void deliverPendingBackchannelLogouts().catch((error: unknown) => log.error("back-channel logout delivery failed", { error })), 2000).unref();
  outbox.scheduled = setTimeout(async () => {
    outbox.scheduled = null;
    outbox.running = true;
    try {
      do {
        outbox.again = false;
        await deliverPendingBackchannelLogouts();
      } while (outbox.again);
    } catch (error) {
      log.error("back-channel logout delivery failed", { error });
    } finally {
      outbox.running = false;
    }
  }, 50);
  outbox.scheduled.unref();
}

async function deliver(id: number): Promise<void> {
  const db = getDb();
  const [row] = await db
    .update(backchannelLogouts)
    .set({ status: "sending", claimedAt: new Date() })
    .where(and(eq(backchannelLogouts.id, id), eq(backchannelLogouts.status, "pending")))
    .returning();
  const sender = outbox.sender;
  if (!row || !sender) return;
  const attempts = row.attempts + 1;
  try {
    const outcome = await sender(row.clientId, row.sub, row.sid);
    await db
      .update(backchannelLogouts)
      .set(outcome === "sent" ? { status: "sent", attempts, sentAt: new Date() } : { status: "failed", attempts })
      .where(eq(backchannelLogouts.id, id));
    if (outcome === "no_client") log.warn("back-channel logout dropped: the client is no longer configured", { clientId: row.clientId });
  } catch (error) {
    const status = attempts >= MAX_ATTEMPTS ? "failed" : "pending";
    await db.update(backchannelLogouts).set({ status, attempts }).where(eq(backchannelLogouts.id, id));
    // The client and the error's name: never the token, never the app's answer body.
    log.warn("back-channel logout not delivered", { clientId: row.clientId, attempts, willRetry: status === "pending", error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
  }
}

/** Every pending logout token, one at a time (shortly after queuing, at startup, every minute). */
export async function deliverPendingBackchannelLogouts(now = Date.now()): Promise<void> {
  if (!outbox.sender) return;
  const db = getDb();
  await db
    .update(backchannelLogouts)
    .set({ status: "pending" })
    .where(
      and(
        eq(backchannelLogouts.status, "sending"),
        or(isNull(backchannelLogouts.claimedAt), lt(backchannelLogouts.claimedAt, new Date(now - BACKCHANNEL_LEASE_MS))),
      ),
    );
  const pending = await db.select({ id: backchannelLogouts.id }).from(backchannelLogouts).where(eq(backchannelLogouts.status, "pending"));
  for (const { id } of pending) await deliver(id);
}

/** How long a row (and the user id in its `sub`) is kept, whatever became of it. */
export const BACKCHANNEL_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * Every row older than a day (hourly), whatever its status: delivered, given up after
 * MAX_ATTEMPTS, or never tried because no sender registered since (the provider turned
 * off, a crash loop). A logout token nobody could send in a day is given up, and said so;
 * so the user id of an erased account stays at most a day and an hour (docs/decisions/052).
 */
export async function trimBackchannelLogouts(now = Date.now()): Promise<number> {
  const gone = await getDb()
    .delete(backchannelLogouts)
    .where(lt(backchannelLogouts.createdAt, new Date(now - BACKCHANNEL_KEPT_MS)))
    .returning({ id: backchannelLogouts.id, status: backchannelLogouts.status, clientId: backchannelLogouts.clientId });
  const undelivered = gone.filter((row) => row.status === "pending" || row.status === "sending");
  if (undelivered.length) {
    log.warn("back-channel logouts given up undelivered after a day", { count: undelivered.length, clients: [...new Set(undelivered.map((row) => row.clientId))] });
  }
  return gone.length;
}
