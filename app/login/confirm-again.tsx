"use client";

import { useEffect, useState } from "react";
import { Loading, MessageNotice } from "@/app/_components/status";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { Reauthenticate } from "@/app/profile/reauthenticate";

type Methods = { password: boolean; totp: boolean; passkeys: unknown[] };

/**
 * An app asked for a fresh sign-in (OpenID Connect prompt=login, or a max_age the session
 * is older than) while the visitor is signed in: they prove it is them again in this
 * session (password, a code, or a passkey), and go on to `next`.
 */
export function ConfirmAgain({ next, app }: { next: string; app: string | null }) {
  const [methods, setMethods] = useState<Methods | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    void callWithSession<Methods>("/api/auth/mfa/").then((result) => (result.ok ? setMethods(result.data) : setProblem(problemMessage(result))));
  }, []);
  if (problem) return <MessageNotice tone="error" text={problem} />;
  if (!methods) return <Loading>Loading…</Loading>;
  return (
    <>
      <h1>Sign in again</h1>
      <p className="lead">{app ? `${app} asks you to sign in again.` : "The app asks you to sign in again."}</p>
      <Reauthenticate
        purpose={app ? `continue to ${app}` : "continue"}
        hasPassword={methods.password}
        hasTotp={methods.totp}
        hasPasskey={methods.passkeys.length > 0}
        onConfirmed={() => window.location.assign(next)}
        onCancel={() => window.location.assign("/profile/")}
      />
    </>
  );
}
