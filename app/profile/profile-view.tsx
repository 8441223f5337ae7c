"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { SessionUnavailable } from "@/app/_components/session-unavailable";
import { Loading, MessageNotice, RetryNotice } from "@/app/_components/status";
import type { Profile } from "@/lib/api-schemas";
import { problemMessage } from "@/lib/client/api";
import { callWithSession, signOut } from "@/lib/client/session";
import { useSession } from "@/lib/client/use-session";
import type { SocialProvider } from "@/lib/social";
import Link from "next/link";
import { AccountDataSection } from "./account-data-section";
import { ActivitySection } from "./activity-section";
import { AppsSection } from "./apps-section";
import { EmailChangeSection } from "./email-change-section";
import { UsernameSection } from "./username-section";
import { EmailStatus } from "./email-status";
import { LinkedProviders } from "./linked-providers";
import { PasswordSection } from "./password-section";
import { SecuritySettings } from "./security-settings";
import { SessionsSection } from "./sessions-section";
import styles from "./profile.module.css";

/** The body of GET /api/auth/me/. */

type Load = { state: "loading" } | { state: "ready"; profile: Profile } | { state: "failed"; message: string };

export function ProfileView({ providers, linkError }: { providers: SocialProvider[]; linkError: string | null }) {
  const status = useSession();
  const router = useRouter();
  const [load, setLoad] = useState<Load>({ state: "loading" });
  // Bumped when a password change ended the other sessions, so their list is redrawn.
  const [sessionsChanged, setSessionsChanged] = useState(0);
  // Bumped after a change to how the user signs in, so the activity list shows it.
  const [securityChanged, setSecurityChanged] = useState(0);

  useEffect(() => {
    if (status === "signed-out") router.replace("/login/?next=/profile/");
  }, [status, router]);

  const reload = useCallback(async () => {
    const result = await callWithSession<Profile>("/api/auth/me/");
    // A 401 that survived a refresh has already turned the session to signed-out.
    if (result.ok) setLoad({ state: "ready", profile: result.data });
    else if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, []);

  useEffect(() => {
    if (status === "signed-in") void reload();
  }, [status, reload]);

  if (status === "unavailable") return <SessionUnavailable />;
  if (status !== "signed-in") return <Loading>Loading your profile…</Loading>;
  if (load.state === "loading") return <Loading>Loading your profile…</Loading>;
  if (load.state === "failed") {
    return <RetryNotice onRetry={() => void reload()}>We could not load your profile. {load.message}</RetryNotice>;
  }

  const { profile } = load;
  return (
    <div className="stack">
      <h1>Your profile</h1>
      <MessageNotice tone="error" text={linkError} />
      <dl className={styles.details}>
        <dt>Username</dt>
        <dd>{profile.username}</dd>
        <dt>Email</dt>
        <dd>
          <span className={styles.email}>{profile.email}</span>{" "}
          {profile.email_verified ? (
            <span className="badge badge-success">Verified</span>
          ) : (
            <span className="badge badge-warning">Not verified</span>
          )}
        </dd>
      </dl>
      {profile.email_verified ? null : <EmailStatus email={profile.email} />}
      {profile.is_admin ? (
        <p>
          <Link href="/admin/">Administration</Link> <span className="muted">· the accounts of this Gatehouse and the audit</span>
        </p>
      ) : null}
      <UsernameSection username={profile.username} onChanged={() => void reload()} />
      <EmailChangeSection email={profile.email} />
      <LinkedProviders enabled={providers} linked={profile.providers} emailVerified={profile.email_verified} onChange={reload} />
      <PasswordSection hasProviders={profile.providers.length > 0} onChanged={() => setSessionsChanged((n) => n + 1)} />
      <SecuritySettings emailVerified={profile.email_verified} onChange={() => setSecurityChanged((n) => n + 1)} />
      <SessionsSection reloadKey={sessionsChanged} />
      <AppsSection />
      <ActivitySection reloadKey={sessionsChanged + securityChanged} />
      <AccountDataSection id={profile.id} email={profile.email} />
      <SignOut />
    </div>
  );
}

function SignOut() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function signOutHere() {
    setBusy(true);
    setProblem(null);
    const outcome = await signOut();
    // On success the session turns signed-out and the page moves to the login form.
    if (!outcome.ok) {
      setBusy(false);
      setProblem(`You are still signed in. ${problemMessage(outcome.result)}`);
    }
  }

  return (
    <div className={styles.signOut}>
      <MessageNotice tone="error" text={problem} />
      <button type="button" className="button button-secondary" onClick={signOutHere} disabled={busy}>
        {busy ? "Logging out…" : "Log out"}
      </button>
    </div>
  );
}
