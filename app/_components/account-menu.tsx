"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { useAccount } from "@/lib/client/account";
import { problemMessage } from "@/lib/client/api";
import { signOut } from "@/lib/client/session";
import { EmailAddress } from "./email-address";

/**
 * The signed-in person's menu in the header of every page: who they are, the way to their
 * profile and its security section, the administration for an administrator, and "Log out". A disclosure (a button that shows a
 * panel of links), not an ARIA menu: links and a button are all it holds. Nothing shows
 * while nobody is signed in.
 */
export function AccountMenu() {
  const { account } = useAccount();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const router = useRouter();
  const pathname = usePathname();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  // A link followed, or the page changed some other way: the panel closes.
  useEffect(() => setOpen(false), [pathname]);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onFocus = (event: FocusEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    document.addEventListener("focusin", onFocus);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("focusin", onFocus);
    };
  }, [open]);

  if (account.state !== "ready") return null;
  const { profile } = account;

  async function logOut() {
    setBusy(true);
    setProblem(null);
    const outcome = await signOut();
    setBusy(false);
    if (!outcome.ok) return setProblem(`You are still signed in. ${problemMessage(outcome.result)}`);
    setOpen(false);
    // The login page says "You are logged out" (lib/client/session.ts keeps why).
    router.push("/login/");
  }

  return (
    <div className="account-menu" ref={root}>
      <button
        type="button"
        ref={button}
        className="account-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((v) => !v)}
      >
        <span className="account-avatar" aria-hidden="true">
          {[...profile.username][0]?.toUpperCase()}
        </span>
        <span className="account-name">{profile.username}</span>
        <span className="visually-hidden">, account menu</span>
        <span className="account-caret" aria-hidden="true" />
      </button>
      <div id={panelId} className="account-panel" hidden={!open}>
        <p className="account-who">
          Signed in as <strong>{profile.username}</strong>
          <span className="account-email"><EmailAddress value={profile.email} /></span>
        </p>
        <ul className="account-links">
          <li>
            <Link href="/profile/" aria-current={pathname === "/profile/" ? "page" : undefined}>
              Profile
            </Link>
          </li>
          <li>
            <Link href="/profile/security/" aria-current={pathname === "/profile/security/" ? "page" : undefined}>
              Security
            </Link>
          </li>
          {/* Only an administrator's profile says is_admin; the pages under /admin/ ask the API again. */}
          {profile.is_admin ? (
            <li>
              <Link href="/admin/" aria-current={pathname.startsWith("/admin/") ? "page" : undefined}>
                Administration
              </Link>
            </li>
          ) : null}
        </ul>
        {problem ? (
          <p className="account-problem" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="button" className="account-logout" onClick={() => void logOut()} disabled={busy}>
          {busy ? "Logging out…" : "Log out"}
        </button>
      </div>
    </div>
  );
}
