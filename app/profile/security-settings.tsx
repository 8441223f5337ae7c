"use client";

import { useCallback, useEffect, useState } from "react";
import { Loading, RetryNotice } from "@/app/_components/status";
import type { MfaStatus } from "@/lib/api-schemas";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { PasskeysSection } from "./passkeys-section";
import styles from "./profile.module.css";
import { TwoStepSection } from "./two-step-section";

type Load = { state: "loading" } | { state: "ready"; status: MfaStatus } | { state: "failed"; message: string };

/** Two-step verification and passkeys, from one GET /api/auth/mfa/. `account` names the recovery codes' file. */
export function SecuritySettings({ account, emailVerified }: { account: string; emailVerified: boolean }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });

  const reload = useCallback(async () => {
    const result = await callWithSession<MfaStatus>("/api/auth/mfa/");
    if (result.ok) setLoad({ state: "ready", status: result.data });
    else if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const changed = () => void reload();

  // The API refuses both to an unverified account (docs/security.md, account ownership):
  // say why here instead of offering buttons that could only come back with an error.
  if (!emailVerified) {
    return (
      <section aria-labelledby="two-step-heading" className={styles.section}>
        <h2 id="two-step-heading">Two-step verification and passkeys</h2>
        <p className="muted">Confirm your email address first: once it is verified you can add a code from an authenticator app or a passkey here.</p>
      </section>
    );
  }
  if (load.state === "loading") return <Loading>Loading your sign-in settings…</Loading>;
  if (load.state === "failed") return <RetryNotice onRetry={() => void reload()}>We could not load your sign-in settings. {load.message}</RetryNotice>;
  return (
    <>
      <TwoStepSection status={load.status} account={account} onChange={changed} />
      <PasskeysSection status={load.status} onChange={changed} />
    </>
  );
}
