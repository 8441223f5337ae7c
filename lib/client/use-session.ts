import { useEffect, useSyncExternalStore } from "react";
import { getSnapshot, restoreSession, SERVER_SNAPSHOT, subscribe, type SessionStatus, type SignOutReason } from "./session";

/**
 * The session's status for a client component. The server renders "loading" (it never
 * sees the access token), so a signed-in visitor never glimpses a signed-out page.
 */
export function useSession(): SessionStatus {
  const { status } = useSyncExternalStore(subscribe, getSnapshot, () => SERVER_SNAPSHOT);
  useEffect(restoreSession, []);
  return status;
}

/** Why this tab is signed out when it was signed in before (the login page says so), or null. */
export function useSignOutReason(): SignOutReason | null {
  const { signedOut } = useSyncExternalStore(subscribe, getSnapshot, () => SERVER_SNAPSHOT);
  return signedOut ?? null;
}
