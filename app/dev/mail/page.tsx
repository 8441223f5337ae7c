import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { isMailboxEnabled, listMailbox } from "@/lib/email/mailbox";
import styles from "./mail.module.css";

export const metadata: Metadata = { title: "Development mailbox" };

const STATUS_LABEL = {
  mailbox: "Kept here",
  pending: "Waiting to send",
  sending: "Sending",
  sent: "Sent through Resend",
  failed: "Failed to send",
} as const;

export default async function MailboxPage() {
  await connection();
  if (!isMailboxEnabled()) notFound();
  const messages = await listMailbox();
  return (
    <main className={styles.page}>
      <h1>Development mailbox</h1>
      <p className={styles.note}>
        Without <code>RESEND_API_KEY</code>, emails stay here instead of being sent. Newest first. This page does not exist
        in production.
      </p>
      {messages.length === 0 ? (
        <p className={styles.empty}>No emails yet. Register an account and its verification email will appear here.</p>
      ) : (
        <ul className={styles.list}>
          {messages.map((m) => (
            <li key={m.id}>
              <Link href={`/dev/mail/${m.id}/`} className={styles.item}>
                <span className={styles.subject}>{m.subject}</span>
                <span className={styles.meta}>
                  To {m.to} · <time dateTime={m.createdAt.toISOString()}>{m.createdAt.toUTCString()}</time> ·{" "}
                  {STATUS_LABEL[m.status]}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
