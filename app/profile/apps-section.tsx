"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { Loading, MessageNotice, RetryNotice } from "@/app/_components/status";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { formatDateTime } from "./session-details";
import styles from "./profile.module.css";

/** An item of GET /api/auth/apps/. */
type AppAccess = { client_id: string; name: string; scopes: string[]; since: string };

type Load = { state: "loading" } | { state: "ready"; apps: AppAccess[] } | { state: "failed"; message: string };
type Message = { tone: "success" | "info" | "error"; text: string };

const SCOPE_WORDS: Record<string, string> = {
  profile: "your username",
  email: "your email address",
  offline_access: "stays signed in while you are away",
};

function describeScopes(scopes: string[]): string {
  const words = scopes.map((scope) => SCOPE_WORDS[scope]).filter(Boolean);
  return words.length ? `Sees who you are, ${words.join(", ")}` : "Sees who you are";
}

/**
 * "Apps with access": the apps that signed the user in through Gatehouse (OpenID Connect),
 * each with what it may see, and a button that takes its access back (its refresh tokens
 * stop working at once; next time it asks again).
 */
export function AppsSection() {
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
    heading.current?.focus();
  }

  return (
    <section aria-labelledby="apps-heading" className={styles.section}>
      <h2 id="apps-heading" tabIndex={-1} ref={heading}>
        Apps with access
      </h2>
      <p className="muted">Apps you signed in to with your Gatehouse account. Remove any you no longer use.</p>
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
                <p className={styles.itemMeta}>
                  {describeScopes(app.scopes)} · since {formatDateTime(app.since)}
                </p>
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
    </section>
  );
}
