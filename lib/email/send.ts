import "server-only";
import { and, count, eq, gt, isNull, lt, or } from "drizzle-orm";
import { Resend } from "resend";
import { whenCommitted } from "@/lib/after-commit";
import { getDb, lockFor, type Queryable } from "@/lib/db";
import { emails } from "@/db/schema";
import { identityKey } from "@/lib/auth/user";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { singleton } from "@/lib/singleton";

// The one seam through which mail leaves. A message is first written to the `emails`
// table (inside the caller's transaction, so a registration and its email commit
// together), then delivered: through Resend when RESEND_API_KEY is set, otherwise it
// simply stays in the table, which is the development mailbox at /dev/mail/.

export type OutgoingEmail = { to: string; subject: string; text: string; html: string };

const MAX_ATTEMPTS = 5;
/**
 * How long a claim on a message (status `sending`) keeps every other sender off it. Past
 * it, the sender is taken for dead (a crash mid-send) and the message is queued again.
 * Longer than a send takes, so that two live instances never send one message twice; and
 * if a send ever outlasts it, the idempotency key makes Resend drop the repeat.
 */
export const SEND_LEASE_MS = 10_000;

/**
 * Why a message goes out, which decides whether the per-address cap applies
 * (docs/security.md, email bombing):
 * - "request": anyone who knows the address can make us send it (verification, resend,
 *   password reset, claim link, the "someone tried to register" notice). At most
 *   RATE_LIMIT_EMAIL_PER_ADDRESS of these per address per hour; past that, nothing is
 *   sent and the caller answers exactly as before.
 * - "notice": tells the owner about something done with a secret (their password was
 *   changed, a refresh token was used twice). Never held back: an attacker who filled
 *   the cap must not also silence the warning.
 * - "reserved": a request from the owner's known device once the cap is spent
 *   (docs/decisions/025): one per address per hour, which requests from anywhere else
 *   cannot take.
 */
export type EmailPurpose = "request" | "notice" | "reserved";

export const EMAIL_CAP_WINDOW_MS = 60 * 60 * 1000;

/**
 * The mailbox an address delivers to, as far as the cap is concerned: case-folded, and
 * without a `+tag` in the local part, which most providers deliver to the same inbox
 * (victim+1@, victim+2@ … would otherwise each get a cap of their own).
 */
export function mailboxKey(address: string): string {
  const key = identityKey(address);
  const at = key.lastIndexOf("@");
  return at < 0 ? key : key.slice(0, at).replace(/\+.*$/, "") + key.slice(at);
}

/**
 * The lock of one mailbox: its hourly cap is counted under it, and a change of address
 * onto it holds it, so that the change and a registration of the address take turns.
 */
export const mailboxLock = (to: string) => `mailbox:${mailboxKey(to)}`;

/**
 * True when `to` has had RATE_LIMIT_EMAIL_PER_ADDRESS requested emails in the last hour.
 * Callers that make a token for an email ask first, so that a request past the cap
 * does not supersede the link the owner already holds.
 */
export async function emailCapSpent(q: Queryable, to: string, now = Date.now()): Promise<boolean> {
  // Count and send take turns per mailbox (docs/decisions/003): two requests for one
  // address, on two instances, must not both count two and both send the third.
  await lockFor(q, mailboxLock(to));
  const [sent] = await q
    .select({ n: count() })
    .from(emails)
    .where(
      and(eq(emails.recipientKey, mailboxKey(to)), eq(emails.capped, true), gt(emails.createdAt, new Date(now - EMAIL_CAP_WINDOW_MS))),
    );
  const cap = getEnv().RATE_LIMIT_EMAIL_PER_ADDRESS;
  if ((sent?.n ?? 0) < cap) return false;
  // Info, not warn: the answer is unchanged and this is the limit doing its job.
  log.info("email not sent: hourly cap for this address reached", { cap });
  return true;
}

/** True when `to` had its one reserved email of the hour (docs/decisions/025). */
export async function reservedEmailSpent(q: Queryable, to: string, now: number): Promise<boolean> {
  await lockFor(q, mailboxLock(to));
  const [sent] = await q
    .select({ n: count() })
    .from(emails)
    .where(and(eq(emails.recipientKey, mailboxKey(to)), eq(emails.reserved, true), gt(emails.createdAt, new Date(now - EMAIL_CAP_WINDOW_MS))));
  return (sent?.n ?? 0) >= 1;
}

/**
 * Write a message to the outbox, or null when the address's hourly cap is spent. Its
 * delivery runs after the answer once the transaction commits (whenCommitted: the request
 * that queued it sends it; lib/after-commit.ts), else the outbox worker's next pass.
 * Capped messages must be queued inside a write transaction (writeTransaction), so that
 * parallel requests count each other.
 */
export async function queueEmail(
  q: Queryable,
  message: OutgoingEmail,
  purpose: EmailPurpose,
  now = Date.now(),
  options: { forgetAfterDelivery?: boolean } = {},
): Promise<number | null> {
  const env = getEnv();
  const recipientKey = mailboxKey(message.to);
  if (purpose === "request" && (await emailCapSpent(q, message.to, now))) return null;
  if (purpose === "reserved" && (await reservedEmailSpent(q, message.to, now))) return null;
  const [row] = await q
    .insert(emails)
    .values({
      ...message,
      recipientKey,
      capped: purpose !== "notice",
      reserved: purpose === "reserved",
      forgetAfterDelivery: options.forgetAfterDelivery ?? false,
      from: env.EMAIL_FROM,
      status: env.RESEND_API_KEY ? "pending" : "mailbox",
      createdAt: new Date(now),
    })
    .returning({ id: emails.id });
  const id = row!.id;
  // Sent once the response is out, so its latency (or failure) neither delays the answer
  // nor tells anyone which path a request took.
  if (env.RESEND_API_KEY) whenCommitted(() => deliverEmail(id));
  return id;
}

function resendClient(apiKey: string): Resend {
  return singleton("resend", () => new Resend(apiKey, { baseUrl: getEnv().RESEND_BASE_URL }));
}

/** Deliver one queued message. Returns true once Resend has accepted it. */
export async function deliverEmail(id: number): Promise<boolean> {
  const apiKey = getEnv().RESEND_API_KEY;
  if (!apiKey) return false;
  const db = getDb();
  // Claim the row so that concurrent deliveries never send it twice, in this process or
  // another: one conditional update, which only one of them can win.
  const [message] = await db
    .update(emails)
    .set({ status: "sending", claimedAt: new Date() })
    .where(and(eq(emails.id, id), eq(emails.status, "pending")))
    .returning();
  if (!message) return false;

  const attempts = message.attempts + 1;
  try {
    const { data, error } = await resendClient(apiKey).emails.send(
      { from: message.from, to: [message.to], subject: message.subject, text: message.text ?? "", html: message.html ?? "" },
      // Resend drops a repeated idempotency key, so a retry after a lost reply is safe.
      { idempotencyKey: `gatehouse-email-${message.id}-${message.createdAt.getTime()}` },
    );
    if (error || !data) throw new DeliveryError(error?.name ?? "no_data", error?.statusCode ?? null);
    // The bodies carry single-use links: once delivered, the copy here is only a liability.
    // The goodbye of an erased account goes whole: nothing of the account stays.
    if (message.forgetAfterDelivery) await db.delete(emails).where(eq(emails.id, id));
    else {
      await db
        .update(emails)
        .set({ status: "sent", attempts, sentAt: new Date(), providerMessageId: data.id, text: null, html: null })
        .where(eq(emails.id, id));
    }
    log.info("email sent", { emailId: id, providerMessageId: data.id });
    return true;
  } catch (error) {
    const status = attempts >= MAX_ATTEMPTS ? "failed" : "pending";
    if (status === "failed" && message.forgetAfterDelivery) await db.delete(emails).where(eq(emails.id, id));
    else await db.update(emails).set({ status, attempts }).where(eq(emails.id, id));
    // Name and status only: never the key, the body, or Resend's own words.
    const reason =
      error instanceof DeliveryError
        ? { resendError: error.resendName, resendStatus: error.statusCode }
        : { resendError: error instanceof Error ? error.name : "unknown" };
    log.error("email delivery failed", { emailId: id, attempts, willRetry: status === "pending", ...reason });
    return false;
  }
}

class DeliveryError extends Error {
  constructor(
    readonly resendName: string,
    readonly statusCode: number | null,
  ) {
    super(`Resend refused the message (${resendName})`);
  }
}

/**
 * Before each delivery pass: a row marked `sending` whose claim is older than
 * SEND_LEASE_MS was cut off mid-send (a crashed process); queue it again. A younger claim
 * may be another live instance's send in progress, and is left alone.
 */
export async function recoverInterruptedEmails(now = Date.now()): Promise<number> {
  const recovered = await getDb()
    .update(emails)
    .set({ status: "pending" })
    .where(and(eq(emails.status, "sending"), or(isNull(emails.claimedAt), lt(emails.claimedAt, new Date(now - SEND_LEASE_MS)))))
    .returning({ id: emails.id });
  return recovered.length;
}

/**
 * Deliver every queued message, one at a time (at startup, then every minute): what a
 * crash or a Resend outage left behind. Each message gets MAX_ATTEMPTS tries in all.
 * Every instance runs these passes; the claim in deliverEmail sends each message once.
 */
export async function deliverPendingEmails(): Promise<void> {
  if (!getEnv().RESEND_API_KEY) return;
  await recoverInterruptedEmails();
  const pending = await getDb().select({ id: emails.id }).from(emails).where(eq(emails.status, "pending"));
  for (const { id } of pending) await deliverEmail(id);
}

/** Queue and deliver a notice that is not part of a larger transaction. */
export async function sendNotice(message: OutgoingEmail): Promise<void> {
  const id = await queueEmail(getDb(), message, "notice");
  if (id !== null) await deliverEmail(id);
}
