"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { Loading, MessageNotice, RetryNotice } from "@/app/_components/status";
import type { SessionSummary } from "@/lib/api-schemas";
import { problemMessage } from "@/lib/client/api";
import { callWithSession, signOut } from "@/lib/client/session";
import { ItemMeta } from "./item-meta";
import { describeDevice, formatDateTime, formatLastActive } from "./session-details";
import styles from "./profile.module.css";

type Load = { state: "loading" } | { state: "ready"; sessions: SessionSummary[] } | { state: "failed"; message: string };
type Message = { tone: "success" | "info" | "error"; text: string };
/** What is running: a session's id, or "others" for "Sign out all other sessions". */
type Busy = string | null;

/** /profile/sessions/: the user's sessions (devices), to end any of them (ASVS 3.3.4). */
export function SessionsSection() {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [busy, setBusy] = useState<Busy>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const reload = useCallback(async () => {
    const result = await callWithSession<SessionSummary[]>("/api/auth/sessions/");
    if (result.ok) setLoad({ state: "ready", sessions: Array.isArray(result.data) ? result.data : [] });
    // A 401 that survived a refresh has already turned the session to signed-out.
    else if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  /** Run an action, then show the list as the server now has it and say what happened. */
  async function act(key: string, run: () => Promise<Message | null>) {
    setBusy(key);
    setMessage(null);
    const outcome = await run();
    if (outcome === null) return; // signed out here: the page is on its way to the login form
    await reload();
    setBusy(null);
    setMessage(outcome);
    // The button that was pressed may be gone with its session: continue from the heading.
    heading.current?.focus();
  }

  const endSession = (session: SessionSummary, device: string) =>
    act(session.id, async () => {
      if (session.current) {
        // Ending this device's session is a logout: the session module forgets the token
        // and tells the other tabs.
        const outcome = await signOut();
        return outcome.ok ? null : { tone: "error", text: `You are still signed in. ${problemMessage(outcome.result)}` };
      }
      const result = await callWithSession(`/api/auth/sessions/${encodeURIComponent(session.id)}/`, { method: "DELETE" });
      if (result.ok) return { tone: "success", text: `Signed out ${device}.` };
      if (result.status === 404) return { tone: "info", text: "That session had already ended." };
      return { tone: "error", text: problemMessage(result) };
    });

  const endOthers = () =>
    act("others", async () => {
      const result = await callWithSession<{ revoked?: number }>("/api/auth/sessions/revoke-others/", { method: "POST" });
      if (!result.ok) return { tone: "error", text: problemMessage(result) };
      const count = result.data.revoked ?? 0;
      return { tone: "success", text: `Signed out ${count} other session${count === 1 ? "" : "s"}.` };
    });

  return (
    <div className="stack">
      <h1 tabIndex={-1} ref={heading}>
        Sessions
      </h1>
      <p className="muted">The devices and browsers signed in to your account. Sign out any you do not recognise.</p>
      {message ? <MessageNotice {...message} /> : null}
      {load.state === "loading" ? <Loading>Loading your sessions…</Loading> : null}
      {load.state === "failed" ? (
        <RetryNotice onRetry={() => void reload()}>We could not load your sessions. {load.message}</RetryNotice>
      ) : null}
      {load.state === "ready" ? (
        <SessionList sessions={load.sessions} busy={busy} onEnd={endSession} onEndOthers={endOthers} />
      ) : null}
    </div>
  );
}

type ListProps = {
  sessions: SessionSummary[];
  busy: Busy;
  onEnd: (session: SessionSummary, device: string) => Promise<void>;
  onEndOthers: () => Promise<void>;
};

function SessionList({ sessions, busy, onEnd, onEndOthers }: ListProps) {
  // This device first, then the others newest first (the API's order).
  const ordered = [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
  const others = sessions.filter((s) => !s.current).length;
  if (ordered.length === 0) return <p className="muted">No active sessions.</p>;
  return (
    <>
      <ul className={styles.list} aria-label="Signed-in devices">
        {ordered.map((session) => {
          const device = describeDevice(session.user_agent);
          return (
            <li key={session.id} className={styles.item}>
              <div className={styles.itemText}>
                <p className={styles.itemName}>
                  <span title={session.user_agent ?? undefined}>{device}</span>
                  {session.current ? <span className="badge badge-success">This device</span> : null}
                </p>
                <ItemMeta
                  id={`session-${session.id}-meta`}
                  parts={[
                    session.ip,
                    <span key="created" className={styles.phrase}>
                      Signed in <time dateTime={session.created_at}>{formatDateTime(session.created_at)}</time>
                    </span>,
                    <span key="used" className={styles.phrase}>
                      Last active{" "}
                      <time dateTime={session.last_used_at} title={formatDateTime(session.last_used_at)}>
                        {formatLastActive(session.last_used_at)}
                      </time>
                    </span>,
                  ]}
                />
              </div>
              <button
                type="button"
                className="button button-secondary button-small"
                aria-describedby={`session-${session.id}-meta`}
                onClick={() => void onEnd(session, device)}
                disabled={busy !== null}
              >
                {busy === session.id ? "Signing out…" : "Sign out"}
                <span className="visually-hidden">{session.current ? " of this device" : ` ${device}`}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {others > 0 ? (
        <button type="button" className="button button-danger" onClick={() => void onEndOthers()} disabled={busy !== null}>
          {busy === "others" ? "Signing out…" : "Sign out all other sessions"}
        </button>
      ) : (
        <p className="muted">You are signed in on this device only.</p>
      )}
    </>
  );
}
