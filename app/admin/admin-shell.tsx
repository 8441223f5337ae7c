"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { useAppInfo } from "@/app/_components/app-info";
import { SectionLayout } from "@/app/_components/section-layout";
import { SessionUnavailable } from "@/app/_components/session-unavailable";
import { Loading, Notice, RetryNotice } from "@/app/_components/status";
import { problemMessage } from "@/lib/client/api";
import { callWithSession, signOut } from "@/lib/client/session";
import { useSession } from "@/lib/client/use-session";
import styles from "./admin.module.css";

type Gate = { state: "checking" } | { state: "open" } | { state: "not_admin" } | { state: "needs_second_factor" } | { state: "failed"; message: string };

// The way back to the profile is the header's account menu, as on every page.
const NAV = [
  { href: "/admin/", label: "Users" },
  { href: "/admin/audit/", label: "Audit" },
];

/**
 * The frame of every administration page: signed in (else the login page, and back),
 * and allowed by the API (docs/api.md, administration). The pages ask the API as any
 * client would; this asks it once whether they may, and explains a refusal in words.
 */
export function AdminShell({ children }: { children: ReactNode }) {
  const status = useSession();
  const router = useRouter();
  const pathname = usePathname();
  const [gate, setGate] = useState<Gate>({ state: "checking" });

  useEffect(() => {
    if (status === "signed-out") router.replace(`/login/?next=${encodeURIComponent(pathname)}`);
  }, [status, router, pathname]);

  const check = useCallback(async () => {
    setGate({ state: "checking" });
    const result = await callWithSession("/api/admin/audit/");
    if (result.ok) return setGate({ state: "open" });
    if (result.status === 403) return setGate({ state: result.data.code === "admin_requires_second_factor" ? "needs_second_factor" : "not_admin" });
    // A 401 that survived a refresh has already turned the session to signed-out.
    if (result.status !== 401) setGate({ state: "failed", message: problemMessage(result) });
  }, []);

  useEffect(() => {
    if (status === "signed-in") void check();
  }, [status, check]);

  let body: ReactNode;
  if (status === "unavailable") body = <SessionUnavailable />;
  else if (status !== "signed-in" || gate.state === "checking") body = <Loading>Loading…</Loading>;
  else if (gate.state === "failed") body = <RetryNotice onRetry={() => void check()}>We could not reach the administration. {gate.message}</RetryNotice>;
  else if (gate.state === "not_admin") body = <NotAnAdministrator />;
  else if (gate.state === "needs_second_factor") body = <NeedsSecondFactor />;
  else body = children;

  // Refused or still asking: the explanation alone, without a navigation it could not use.
  if (gate.state !== "open" || status !== "signed-in") {
    return (
      <main className="site-main">
        <div className="card card-wide">{body}</div>
      </main>
    );
  }

  // A user's page belongs to the list of users it was opened from.
  const current = NAV.find((item) => item.href === pathname)?.href ?? (pathname.startsWith("/admin/users/") ? "/admin/" : undefined);
  return (
    <SectionLayout label="Administration" links={NAV} current={current}>
      {body}
    </SectionLayout>
  );
}

function NotAnAdministrator() {
  const { name: appName } = useAppInfo();
  return (
    <div className="stack">
      <h1>Administration</h1>
      <Notice tone="info">
        <p>This account is not an administrator. An administrator of {appName} can make it one, or whoever runs the server, with <code>npm run admin -- grant EMAIL</code>.</p>
      </Notice>
    </div>
  );
}

/** An administrator whose session did not use a second factor at sign-in: how to get one. */
function NeedsSecondFactor() {
  const [busy, setBusy] = useState(false);
  return (
    <div className="stack">
      <h1>
        Administration needs two-step <span className={styles.phrase}>sign-in</span>
      </h1>
      <p>
        An administrator can act on every account, so a password alone is not enough here: this session must have been signed in with a
        second factor.
      </p>
      <ol>
        <li>
          In <Link href="/profile/security/">Sign-in and security</Link>, turn on two-step verification (an authenticator app) or add a passkey.
        </li>
        <li>Log out, then sign in again with your code or your passkey.</li>
        <li>Come back to this page.</li>
      </ol>
      <button
        type="button"
        className="button button-secondary"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void signOut().then(() => setBusy(false));
        }}
      >
        {busy ? "Logging out…" : "Log out to sign in again"}
      </button>
    </div>
  );
}
