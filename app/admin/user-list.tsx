"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { Loading, RetryNotice } from "@/app/_components/status";
import { ItemMeta } from "@/app/profile/item-meta";
import { formatDateTime, formatLastActive } from "@/app/profile/session-details";
import { ADMIN_PAGE_SIZE, type AdminUser, type AdminUserPage } from "@/lib/client/admin";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { PROVIDER_LABELS, isSocialProvider } from "@/lib/social";
import styles from "./admin.module.css";
import { EmailAddress } from "@/app/_components/email-address";

/** How long typing may pause before the search runs: one request per pause, not per key. */
const DEBOUNCE_MS = 300;

type Load = { state: "loading" } | { state: "ready"; page: AdminUserPage } | { state: "failed"; message: string };

/** /admin/: the accounts, newest first, searched as you type, a page at a time. */
export function UserList({ initialQuery, initialPage }: { initialQuery: string; initialPage: number }) {
  const [typed, setTyped] = useState(initialQuery);
  const [query, setQuery] = useState(initialQuery);
  const [page, setPage] = useState(initialPage);
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [busy, setBusy] = useState(false);
  const latest = useRef(0);

  // The search runs once typing pauses; a new search starts on its first page.
  useEffect(() => {
    if (typed === query) return;
    const timer = setTimeout(() => {
      setQuery(typed);
      setPage(1);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [typed, query]);

  const fetchPage = useCallback(async (q: string, n: number) => {
    const ticket = ++latest.current;
    setBusy(true);
    const params = new URLSearchParams();
    if (q.trim()) params.set("q", q.trim());
    if (n > 1) params.set("page", String(n));
    const search = params.size ? `?${params}` : "";
    // The address bar follows, so a search can be reloaded or shared (no server round trip).
    window.history.replaceState(null, "", `/admin/${search}`);
    const result = await callWithSession<AdminUserPage>(`/api/admin/users/${search}`);
    // An answer to an older search, arriving after a newer one was sent: dropped.
    if (ticket !== latest.current) return;
    setBusy(false);
    if (result.ok) return setLoad({ state: "ready", page: result.data });
    // A page that no longer exists (accounts deleted meanwhile): the first.
    if (result.status === 404 && n > 1) return setPage(1);
    if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, []);

  useEffect(() => {
    void fetchPage(query, page);
  }, [fetchPage, query, page]);

  const ready = load.state === "ready" ? load.page : null;
  const pages = ready ? Math.max(1, Math.ceil(ready.count / ADMIN_PAGE_SIZE)) : 1;

  return (
    <div className="stack">
      <h1>Users</h1>
      <form role="search" className={styles.search} onSubmit={(e) => (e.preventDefault(), setQuery(typed), setPage(1))}>
        <div className="field">
          <label htmlFor="user-search">Search by username or email</label>
          <input
            id="user-search"
            type="search"
            autoComplete="off"
            spellCheck={false}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            aria-describedby="user-search-count"
          />
        </div>
      </form>
      <p id="user-search-count" role="status" className="muted">
        {ready ? countWords(ready.count, query) : busy ? "Searching…" : ""}
      </p>
      {load.state === "loading" ? <Loading>Loading the accounts…</Loading> : null}
      {load.state === "failed" ? <RetryNotice onRetry={() => void fetchPage(query, page)}>We could not load the accounts. {load.message}</RetryNotice> : null}
      {ready && ready.results.length > 0 ? (
        <ul className={styles.list} aria-label="Accounts" aria-busy={busy}>
          {ready.results.map((user) => (
            <UserItem key={user.id} user={user} />
          ))}
        </ul>
      ) : null}
      {ready && pages > 1 ? (
        <nav className={styles.pager} aria-label="Pages of accounts">
          <button type="button" className="button button-secondary button-small" disabled={page <= 1 || busy} onClick={() => setPage(page - 1)}>
            Previous page
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" className="button button-secondary button-small" disabled={page >= pages || busy} onClick={() => setPage(page + 1)}>
            Next page
          </button>
        </nav>
      ) : null}
    </div>
  );
}

function countWords(count: number, query: string): string {
  const accounts = `${count} account${count === 1 ? "" : "s"}`;
  if (!query.trim()) return count === 0 ? "No accounts yet." : `${accounts}, newest first.`;
  if (count === 0) return `No account matches “${query.trim()}”.`;
  return `${accounts} ${count === 1 ? "matches" : "match"} “${query.trim()}”.`;
}

function UserItem({ user }: { user: AdminUser }) {
  const providers = user.providers.map((p) => (isSocialProvider(p) ? PROVIDER_LABELS[p] : p));
  return (
    <li className={styles.item}>
      <div className={styles.itemText}>
        <p className={styles.itemName}>
          <Link href={`/admin/users/${user.id}/`}>{user.username}</Link>
          {user.is_admin ? <span className="badge badge-neutral">Administrator</span> : null}
          {user.disabled ? <span className="badge badge-warning">Disabled</span> : null}
          {user.email_verified ? null : <span className="badge badge-warning">Not verified</span>}
        </p>
        <p className={styles.itemMeta}><EmailAddress value={user.email} /></p>
        <ItemMeta
          parts={[
            <span key="joined" className={styles.phrase}>
              Joined <time dateTime={user.created_at}>{formatDateTime(user.created_at)}</time>
            </span>,
            <span key="last" className={styles.phrase}>
              {user.last_login_at ? (
                <>
                  Last sign-in <time dateTime={user.last_login_at} title={formatDateTime(user.last_login_at)}>{formatLastActive(user.last_login_at)}</time>
                </>
              ) : (
                "Never signed in"
              )}
            </span>,
            [user.totp ? "two-step on" : "no two-step", user.passkeys ? `${user.passkeys} passkey${user.passkeys === 1 ? "" : "s"}` : null, ...providers]
              .filter(Boolean)
              .join(", "),
          ]}
        />
      </div>
    </li>
  );
}
