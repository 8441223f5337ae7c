"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { Loading, RetryNotice } from "@/app/_components/status";
import { ItemMeta } from "@/app/profile/item-meta";
import { formatDateTime, formatLastActive } from "@/app/profile/session-details";
import { ADMIN_PAGE_SIZE, describeAuditEntry, type AuditEntry, type AuditPage } from "@/lib/client/admin";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import styles from "../admin.module.css";

type Load = { state: "loading" } | { state: "ready"; page: AuditPage } | { state: "failed"; message: string };

/** /admin/audit/: what administrators did, newest first, in words (kept a year). */
export function AuditList() {
  const [page, setPage] = useState(1);
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [busy, setBusy] = useState(false);

  const fetchPage = useCallback(async (n: number) => {
    setBusy(true);
    const result = await callWithSession<AuditPage>(`/api/admin/audit/${n > 1 ? `?page=${n}` : ""}`);
    setBusy(false);
    if (result.ok) setLoad({ state: "ready", page: result.data });
    else if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, []);

  useEffect(() => {
    void fetchPage(page);
  }, [fetchPage, page]);

  const ready = load.state === "ready" ? load.page : null;
  const pages = ready ? Math.max(1, Math.ceil(ready.count / ADMIN_PAGE_SIZE)) : 1;

  return (
    <div className="stack">
      <h1>Audit</h1>
      <p className="muted">Every change an administrator made, newest first, kept for a year. A deleted account keeps its address here.</p>
      {load.state === "loading" ? <Loading>Loading the audit…</Loading> : null}
      {load.state === "failed" ? <RetryNotice onRetry={() => void fetchPage(page)}>We could not load the audit. {load.message}</RetryNotice> : null}
      {ready && ready.results.length === 0 ? <p className="muted">No administrator has changed anything yet.</p> : null}
      {ready && ready.results.length > 0 ? (
        <ul className={styles.list} aria-label="Audit entries" aria-busy={busy}>
          {ready.results.map((entry) => (
            <li key={entry.id} className={styles.item}>
              <div className={styles.itemText}>
                <p className={styles.itemName}>
                  {describeAuditEntry(entry)}
                  {entry.target?.id && entry.action !== "user_deleted" ? (
                    <Link href={`/admin/users/${entry.target.id}/`} className={styles.itemMeta}>
                      Open the account
                      <span className="visually-hidden"> of {entry.target.email}</span>
                    </Link>
                  ) : null}
                </p>
                {entry.reason ? <p className={styles.itemMeta}>Reason: {entry.reason}</p> : null}
                <ItemMeta
                  parts={[
                    <time key="at" className={styles.phrase} dateTime={entry.at} title={formatDateTime(entry.at)}>
                      {formatLastActive(entry.at)}
                    </time>,
                    entry.ip ? `from ${entry.ip}` : null,
                  ]}
                />
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {ready && pages > 1 ? (
        <nav className={styles.pager} aria-label="Pages of the audit">
          <button type="button" className="button button-secondary button-small" disabled={page <= 1 || busy} onClick={() => setPage(page - 1)}>
            Newer entries
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" className="button button-secondary button-small" disabled={page >= pages || busy} onClick={() => setPage(page + 1)}>
            Older entries
          </button>
        </nav>
      ) : null}
    </div>
  );
}
