"use client";

import { useEffect, useRef, useState } from "react";
import styles from "./profile.module.css";

/** Ten recovery codes, shown this once: copy them, download them, then continue. */
export function RecoveryCodes({ codes, intro, onDone }: { codes: string[]; intro: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [download, setDownload] = useState<string | null>(null);
  const text = `Gatehouse recovery codes (each works once)\n\n${codes.join("\n")}\n`;

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
          <a className="button button-secondary" href={download} download="gatehouse-recovery-codes.txt">
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
