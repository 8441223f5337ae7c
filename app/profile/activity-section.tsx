"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { Loading, RetryNotice } from "@/app/_components/status";
import { linkTargets, problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import type { ActivityItem } from "./activity-details";
import { ActivityList } from "./activity-list";
import styles from "./profile.module.css";

/** Events a page shows; the API pages with ?limit=&before=|after= (docs/decisions/037). */
export const ACTIVITY_PAGE_SIZE = 10;

type Page = { events: ActivityItem[]; older: string | null; newer: string | null };
type Load = { state: "loading" } | { state: "ready"; page: Page } | { state: "failed"; message: string };

/** The cursor of a profile URL for an API link: `/api/auth/activity/?before=X&limit=10` → `?before=X`. */
function profileHref(apiLink: string | undefined): string | null {
  if (!apiLink) return null;
  const query = new URL(apiLink, "http://x").searchParams;
  const [name, cursor] = query.has("before") ? ["before", query.get("before")] : ["after", query.get("after")];
  return cursor ? `/profile/activity/?${new URLSearchParams({ [name!]: cursor })}` : null;
}

/** "Security activity": GET /api/auth/activity/ in words, ten at a time, each page its own URL. */
export function ActivitySection({ before, after }: { before: string | null; after: string | null }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });

  const reload = useCallback(async () => {
    setLoad({ state: "loading" });
    const query = new URLSearchParams({ limit: String(ACTIVITY_PAGE_SIZE) });
    if (before) query.set("before", before);
    else if (after) query.set("after", after);
    const result = await callWithSession<ActivityItem[]>(`/api/auth/activity/?${query}`);
    if (result.ok) {
      const links = linkTargets(result.headers.get("Link"));
      const events = Array.isArray(result.data) ? result.data : [];
      setLoad({ state: "ready", page: { events, older: profileHref(links.next), newer: profileHref(links.prev) } });
    } else if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, [before, after]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return (
    <div className="stack">
      <h1>Security activity</h1>
      <p className="muted">Sign-ins and changes to how you sign in, over the last 90 days. Anything you do not recognise? Change your password.</p>
      {load.state === "loading" ? <Loading>Loading your activity…</Loading> : null}
      {load.state === "failed" ? <RetryNotice onRetry={() => void reload()}>We could not load your activity. {load.message}</RetryNotice> : null}
      {load.state === "ready" && load.page.events.length === 0 ? (
        before || after ? (
          <p className="muted">
            Nothing here any more. <Link href="/profile/activity/">See the latest activity</Link>
          </p>
        ) : (
          <p className="muted">Nothing yet.</p>
        )
      ) : null}
      {load.state === "ready" && load.page.events.length > 0 ? (
        <ActivityList events={load.page.events} label="Security events, newest first" />
      ) : null}
      {load.state === "ready" && (load.page.newer || load.page.older) ? (
        <nav aria-label="Pages of activity" className={styles.pager}>
          {load.page.newer ? (
            <Link className="button button-secondary button-small" href={load.page.newer}>
              <span aria-hidden="true">← </span>Newer
            </Link>
          ) : (
            <span />
          )}
          {load.page.older ? (
            <Link className="button button-secondary button-small" href={load.page.older}>
              Older<span aria-hidden="true"> →</span>
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
