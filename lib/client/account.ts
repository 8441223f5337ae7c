import { useEffect, useSyncExternalStore } from "react";
import type { Profile } from "@/lib/api-schemas";
import { problemMessage } from "./api";
import { callWithSession } from "./session";
import { useSession } from "./use-session";

// The signed-in user's profile (GET /api/auth/me/), read once per sign-in and shared by
// every component that shows it: the header's account menu and the profile's sections.
// A section that changes the profile calls reloadAccount() and every reader redraws.

/** The body of GET /api/auth/me/ (`is_admin` only for an administrator). */
export type { Profile };

export type AccountState = { state: "loading" } | { state: "ready"; profile: Profile } | { state: "failed"; message: string };

const LOADING: AccountState = { state: "loading" };
let account: AccountState = LOADING;
let inflight: Promise<void> | null = null;
const listeners = new Set<() => void>();

function set(next: AccountState): void {
  account = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Ask the server again; concurrent callers share one request. */
export function reloadAccount(): Promise<void> {
  inflight ??= (async () => {
    const result = await callWithSession<Profile>("/api/auth/me/");
    // A 401 that survived a refresh has already turned the session to signed-out.
    if (result.ok) set({ state: "ready", profile: result.data });
    else if (result.status !== 401) set({ state: "failed", message: problemMessage(result) });
  })().finally(() => {
    inflight = null;
  });
  return inflight;
}

/** The profile of whoever is signed in (loading while there is none). */
export function useAccount(): { account: AccountState; reload: () => Promise<void> } {
  const status = useSession();
  const current = useSyncExternalStore(subscribe, () => account, () => LOADING);
  useEffect(() => {
    if (status === "signed-in" && account.state !== "ready") void reloadAccount();
    // Signed out (here or in another tab): the next sign-in may be someone else.
    if (status === "signed-out" && account !== LOADING) set(LOADING);
  }, [status]);
  return { account: current, reload: reloadAccount };
}
