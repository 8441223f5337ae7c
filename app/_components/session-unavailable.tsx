"use client";

import { retryRestore } from "@/lib/client/session";
import { useAppInfo } from "./app-info";
import { RetryNotice } from "./status";

/** The session could not be checked (no answer, or a server error): say so, offer a retry. */
export function SessionUnavailable() {
  const { name } = useAppInfo();
  return (
    <RetryNotice onRetry={retryRestore}>
      Could not reach {name} to check your session. Check your connection, then try again.
    </RetryNotice>
  );
}
