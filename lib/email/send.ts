import "server-only";
import { and, eq } from "drizzle-orm";
import { Resend } from "resend";
import { getDb, type Db } from "@/db/client";
import { emails } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { singleton } from "@/lib/singleton";

// The one seam through which mail leaves. A message is first written to the `emails`
// table (inside the caller's transaction, so a registration and its email commit
// together), then delivered: through Resend when RESEND_API_KEY is set, otherwise it
// simply stays in the table, which is the development mailbox at /dev/mail/.

export type OutgoingEmail = { to: string; subject: string; text: string; html: string };

const MAX_ATTEMPTS = 5;

type Writer = Pick<Db, "insert">;

/** Write a message to the outbox. Call deliverEmail(id) once the transaction commits. */
export function queueEmail(db: Writer, message: OutgoingEmail): number {
  const env = getEnv();
  const row = db
    .insert(emails)
    .values({ ...message, from: env.EMAIL_FROM, status: env.RESEND_API_KEY ? "pending" : "mailbox" })
    .returning({ id: emails.id })
    .get();
  return row.id;
}

function resendClient(apiKey: string): Resend {
  return singleton("resend", () => new Resend(apiKey, { baseUrl: getEnv().RESEND_BASE_URL }));
}

/** Deliver one queued message. Returns true once Resend has accepted it. */
export async function deliverEmail(id: number): Promise<boolean> {
  const apiKey = getEnv().RESEND_API_KEY;
  if (!apiKey) return false;
  const db = getDb();
  // Claim the row so that concurrent deliveries never send it twice.
  const message = db
    .update(emails)
    .set({ status: "sending" })
    .where(and(eq(emails.id, id), eq(emails.status, "pending")))
    .returning()
    .get();
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
    db.update(emails)
      .set({ status: "sent", attempts, sentAt: new Date(), providerMessageId: data.id, text: null, html: null })
      .where(eq(emails.id, id))
      .run();
    log.info("email sent", { emailId: id, providerMessageId: data.id });
    return true;
  } catch (error) {
    const status = attempts >= MAX_ATTEMPTS ? "failed" : "pending";
    db.update(emails).set({ status, attempts }).where(eq(emails.id, id)).run();
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
 * At startup, before any delivery of this process: a row still marked `sending` was cut
 * off mid-send by a crash. Queue it again; sending it twice is safe because Resend
 * drops a repeated idempotency key.
 */
export function recoverInterruptedEmails(): number {
  return getDb().update(emails).set({ status: "pending" }).where(eq(emails.status, "sending")).run().changes;
}

/**
 * Deliver every queued message, one at a time (at startup, then every minute): what a
 * crash or a Resend outage left behind. Each message gets MAX_ATTEMPTS tries in all.
 */
export async function deliverPendingEmails(): Promise<void> {
  if (!getEnv().RESEND_API_KEY) return;
  const pending = getDb().select({ id: emails.id }).from(emails).where(eq(emails.status, "pending")).all();
  for (const { id } of pending) await deliverEmail(id);
}

/** Queue and deliver a message that is not part of a larger transaction. */
export async function sendEmail(message: OutgoingEmail): Promise<void> {
  await deliverEmail(queueEmail(getDb(), message));
}
