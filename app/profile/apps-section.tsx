"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { useAppInfo } from "@/app/_components/app-info";
import { Loading, MessageNotice, RetryNotice } from "@/app/_components/status";
import type { AppAccess } from "@/lib/api-schemas";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { ItemMeta } from "./item-meta";
import { formatDateTime } from "./session-details";
import styles from "./profile.module.css";

type Load = { state: "loading" } | { state: "ready"; apps: AppAccess[] } | { state: "failed"; message: string };
type Message = { tone: "success" | "info" | "error"; text: string };

/** What each scope lets the app see, in the order people read them (the consent page's words). */
const SEES: [scope: string, words: string][] = [
  ["profile", "your username"],
  ["email", "your email address"],
];

/** "Sees your username and your email address", or who you are only (the openid scope). */
function describeScopes(scopes: string[]): string {
  const words = SEES.filter(([scope]) => scopes.includes(scope)).map(([, words]) => words);
  return words.length ? `Sees ${words.join(" and ")}` : "Knows only that it is you";
}

/**
 * /profile/apps/, "Apps with access": the apps that signed the user in through this
 * server (OpenID Connect), each with what it may see, and a button that takes its access
 * back (its refresh tokens stop working at once; next time it asks again).
 */
export function AppsSection() {
  const { name: appName } = useAppInfo();
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const reload = useCallback(async () => {
    const result = await callWithSession<AppAccess[]>("/api/auth/apps/");
    if (result.ok) setLoad({ state: "ready", apps: Array.isArray(result.data) ? result.data : [] });
    else if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function revoke(app: AppAccess) {
    setBusy(app.client_id);
    setMessage(null);
    const result = await callWithSession(`/api/auth/apps/${encodeURIComponent(app.client_id)}/`, { method: "DELETE" });
    await reload();
    setBusy(null);
    if (result.ok) setMessage({ tone: "success", text: `${app.name} no longer has access to your account.` });
    else if (result.status === 404) setMessage({ tone: "info", text: `${app.name} had no access any more.` });
    else setMessage({ tone: "error", text: problemMessage(result) });
    // The button that was pressed is gone with its app: continue from the heading.
    heading.current?.focus();
  }

  return (
    <div className="stack">
      <h1 tabIndex={-1} ref={heading}>
        Apps with access
      </h1>
      <p className="muted">Apps you signed in to with your {appName} account. Remove any you no longer use.</p>
      {message ? <MessageNotice {...message} /> : null}
      {load.state === "loading" ? <Loading>Loading your apps…</Loading> : null}
      {load.state === "failed" ? <RetryNotice onRetry={() => void reload()}>We could not load your apps. {load.message}</RetryNotice> : null}
      {load.state === "ready" && load.apps.length === 0 ? <p className="muted">No apps have access.</p> : null}
      {load.state === "ready" && load.apps.length > 0 ? (
        <ul className={styles.list}>
          {load.apps.map((app) => (
            <li key={app.client_id} className={styles.item}>
              <div className={styles.itemText}>
                <p className={styles.itemName}>{app.name}</p>
                <ItemMeta
                  parts={[
                    describeScopes(app.scopes),
                    app.scopes.includes("offline_access") ? "Stays signed in while you are away" : null,
                    <span key="since" className={styles.phrase}>
                      Allowed <time dateTime={app.since}>{formatDateTime(app.since)}</time>
                    </span>,
                  ]}
                />
              </div>
              <button
                type="button"
                className="button button-secondary button-small"
                onClick={() => void revoke(app)}
                disabled={busy !== null}
                aria-label={`Remove access for ${app.name}`}
              >
                {busy === app.client_id ? "Removing…" : "Remove access"}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
