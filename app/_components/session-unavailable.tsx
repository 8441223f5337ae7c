"use client";

import { retryRestore } from "@/lib/client/session";
import { Notice } from "./status";

/** The session could not be checked (no answer, or a server error): say so, offer a retry. */
export function SessionUnavailable() {
  return (
    <Notice tone="error">
      <p>Could not reach Gatehouse to check your session. Check your connection, then try again.</p>
      <button type="button" className="button button-secondary button-small" onClick={retryRestore}>
        Try again
      </button>
    </Notice>
  );
}
