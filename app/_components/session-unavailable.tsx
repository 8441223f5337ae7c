"use client";

import { retryRestore } from "@/lib/client/session";
import { RetryNotice } from "./status";

/** The session could not be checked (no answer, or a server error): say so, offer a retry. */
export function SessionUnavailable() {
  return (
    <RetryNotice onRetry={retryRestore}>
      Could not reach Gatehouse to check your session. Check your connection, then try again.
    </RetryNotice>
  );
}
