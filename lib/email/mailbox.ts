import "server-only";
import { desc, eq } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { emails, type Email } from "@/db/schema";
import { hasDevelopmentConveniences, runMode } from "@/lib/env";

// The development mailbox (/dev/mail/): the outbox table, read back. It exists only
// under `npm run dev`: in every production run its pages answer 404, whatever the
// configuration, because messages hold single-use links for real people.

export function isMailboxEnabled(): boolean {
  return hasDevelopmentConveniences(runMode());
}

export type MailboxEntry = Pick<Email, "id" | "to" | "subject" | "status" | "createdAt">;

export function listMailbox(limit = 200): Promise<MailboxEntry[]> {
  return getDb()
    .select({ id: emails.id, to: emails.to, subject: emails.subject, status: emails.status, createdAt: emails.createdAt })
    .from(emails)
    .orderBy(desc(emails.createdAt), desc(emails.id))
    .limit(limit);
}

export async function getMailboxMessage(id: number): Promise<Email | null> {
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const [message] = await getDb().select().from(emails).where(eq(emails.id, id));
  return message ?? null;
}
