import { useEffect, useSyncExternalStore } from "react";
import { getSnapshot, restoreSession, SERVER_SNAPSHOT, subscribe, type SessionStatus } from "./session";

/**
 * The session's status for a client component. The server renders "loading" (it never
 * sees the access token), so a signed-in visitor never glimpses a signed-out page.
 */
export function useSession(): SessionStatus {
  const { status } = useSyncExternalStore(subscribe, getSnapshot, () => SERVER_SNAPSHOT);
  useEffect(restoreSession, []);
  return status;
}
