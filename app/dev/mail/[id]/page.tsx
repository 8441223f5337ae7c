import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getMailboxMessage, isMailboxEnabled } from "@/lib/email/mailbox";
import styles from "../mail.module.css";
import { MailPreview } from "./mail-preview";

export const metadata: Metadata = { title: "Email", referrer: "no-referrer" };

/** Plain text with its http(s) addresses turned into links. */
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part}>
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}

export default async function MailboxMessagePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  if (!isMailboxEnabled()) notFound();
  const { id } = await params;
  const message = await getMailboxMessage(Number(id));
  if (!message) notFound();
  return (
    <main className={styles.page}>
      <p>
        <Link href="/dev/mail/">← All emails</Link>
      </p>
      <h1>{message.subject}</h1>
      <dl className={styles.headers}>
        <dt>From</dt>
        <dd>{message.from}</dd>
        <dt>To</dt>
        <dd>{message.to}</dd>
        <dt>Date</dt>
        <dd>
          <time dateTime={message.createdAt.toISOString()}>{message.createdAt.toUTCString()}</time>
        </dd>
      </dl>
      {message.text === null ? (
        <p className={styles.empty}>This message was delivered through Resend; its body is not kept.</p>
      ) : (
        <>
          <h2>Plain text</h2>
          <pre className={styles.text} data-testid="email-text">
            <Linkified text={message.text} />
          </pre>
          {message.html ? (
            <>
              <h2>HTML</h2>
              <MailPreview src={`/dev/mail/${message.id}/html/`} title={`HTML version of “${message.subject}”`} />
            </>
          ) : null}
        </>
      )}
    </main>
  );
}
