"use client";

import { useEffect, useRef, useState } from "react";
import { useAppInfo } from "@/app/_components/app-info";
import styles from "./profile.module.css";

/** A file name that says whose codes these are and for what: "gatehouse-recovery-codes-alice@example.com.txt". */
export function recoveryCodesFileName(appName: string, account: string): string {
  const part = (value: string) => value.toLowerCase().replace(/[^\p{L}\p{N}@._-]+/gu, "-").replace(/^-+|-+$/g, "");
  return `${part(appName) || "recovery"}-recovery-codes-${part(account)}.txt`;
}

/** What the saved copy says: the service, where it is, the account, the codes. */
export function recoveryCodesText(input: { appName: string; origin: string; account: string; codes: string[] }): string {
  return [
    `${input.appName} recovery codes`,
    `Account: ${input.account}`,
    `Sign in at: ${input.origin}`,
    "",
    "Each code signs you in once instead of a code from your authenticator app.",
    "Getting new codes makes these stop working.",
    "",
    ...input.codes,
    "",
  ].join("\n");
}

/** Ten recovery codes, shown this once: copy them, download them, then continue. */
export function RecoveryCodes({ codes, account, intro, onDone }: { codes: string[]; account: string; intro: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [download, setDownload] = useState<string | null>(null);
  const { name: appName } = useAppInfo();
  // Shown only after an action in the browser, never rendered on the server.
  const [origin] = useState(() => (typeof window === "undefined" ? "" : window.location.origin));
  const text = recoveryCodesText({ appName, origin, account, codes });

  useEffect(() => {
    heading.current?.focus();
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    setDownload(url);
    return () => URL.revokeObjectURL(url);
  }, [text]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Could not copy: select the codes and copy them yourself.");
    }
  }

  return (
    <div className={styles.panel}>
      <h3 className={styles.panelHeading} tabIndex={-1} ref={heading}>
        Save your recovery codes
      </h3>
      <p>
        {intro} If you lose your phone, each of these codes signs you in once instead of a code from the app. They are shown
        only now: keep them somewhere safe, like a password manager.
      </p>
      <ul className={styles.codes} aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" className="button button-secondary" onClick={() => void copy()}>
          Copy codes
        </button>
        {download ? (
          <a className="button button-secondary" href={download} download={recoveryCodesFileName(appName, account)}>
            Download codes
          </a>
        ) : null}
        <button type="button" className="button" onClick={onDone}>
          I have saved them
        </button>
      </div>
      <p role="status" className="muted">
        {copied}
      </p>
    </div>
  );
}
