"use client";

import { useAppInfo } from "./app-info";

/**
 * On a "check your email" screen under `npm run dev`: nothing was sent, the email waits
 * in the development mailbox. Production has no mailbox, and shows nothing here.
 */
export function DevMailboxNote() {
  const { devMailbox } = useAppInfo();
  if (!devMailbox) return null;
  return (
    <div className="alert alert-info">
      <p>
        This is a development server: emails are not sent. Open the{" "}
        <a href="/dev/mail/" target="_blank" rel="noopener">
          development mailbox
        </a>{" "}
        to read it.
      </p>
    </div>
  );
}
