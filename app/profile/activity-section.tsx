"use client";

import { useCallback, useEffect, useState } from "react";
import { Loading, RetryNotice } from "@/app/_components/status";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { describeEventAction, type ActivityItem } from "./activity-details";
import { describeDevice, formatDateTime, formatLastActive } from "./session-details";
import styles from "./profile.module.css";

type Load = { state: "loading" } | { state: "ready"; events: ActivityItem[] } | { state: "failed"; message: string };

/** "Recent security activity": GET /api/auth/activity/ in words. `reloadKey` changes after an action on the page. */
export function ActivitySection({ reloadKey }: { reloadKey: number }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });

  const reload = useCallback(async () => {
    const result = await callWithSession<ActivityItem[]>("/api/auth/activity/");
    if (result.ok) setLoad({ state: "ready", events: Array.isArray(result.data) ? result.data : [] });
    else if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, []);

  useEffect(() => {
    void reload();
  }, [reload, reloadKey]);

  return (
    <section aria-labelledby="activity-heading" className={styles.section}>
      <h2 id="activity-heading">Recent security activity</h2>
      <p className="muted">Sign-ins and changes to how you sign in, over the last 90 days. Anything you do not recognise? Change your password.</p>
      {load.state === "loading" ? <Loading>Loading your activity…</Loading> : null}
      {load.state === "failed" ? <RetryNotice onRetry={() => void reload()}>We could not load your activity. {load.message}</RetryNotice> : null}
      {load.state === "ready" && load.events.length === 0 ? <p className="muted">Nothing yet.</p> : null}
      {load.state === "ready" && load.events.length > 0 ? (
        <ul className={styles.list}>
          {load.events.map((event, index) => (
            <li key={`${event.at}-${index}`} className={styles.item}>
              <div className={styles.itemText}>
                <p className={styles.itemName}>{describeEventAction(event)}</p>
                <p className={styles.itemMeta}>
                  <span title={event.user_agent ?? undefined}>{describeDevice(event.user_agent)}</span>
                  {event.ip ? ` · ${event.ip}` : null}
                  {" · "}
                  <time className={styles.phrase} dateTime={event.at} title={formatDateTime(event.at)}>
                    {formatLastActive(event.at)}
                  </time>
                </p>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
