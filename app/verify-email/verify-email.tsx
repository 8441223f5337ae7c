"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { useAppInfo } from "@/app/_components/app-info";
import { ResendVerification } from "@/app/_components/resend-verification";
import { ResultScreen } from "@/app/_components/result-screen";
import { Loading, MessageNotice } from "@/app/_components/status";
import { callApi, problemMessage } from "@/lib/client/api";
import type { SessionStatus } from "@/lib/client/session";
import { useSession } from "@/lib/client/use-session";

// An emailed link opens this page, and this page changes nothing until its button is
// pressed (docs/api.md, email links): mail scanners (Outlook Safe Links, Proofpoint,
// Mimecast) open every link before the person does, some in a real browser that runs
// scripts. On arrival it only asks what the button would do; a link used before, or
// whose address is verified anyway, says so at once instead of "this link does not work".

type View = "checking" | "ready" | "verified" | "invalid" | "unreachable";

/** What the button would do, and whether the link is a change of address's (worded as such). */
async function checkLink(token: string): Promise<{ view: View; emailChange: boolean }> {
  const result = await callApi<{ state?: unknown; purpose?: unknown }>("/api/auth/verify-email/check/", { method: "POST", body: { token } });
  const emailChange = result.ok && result.data.purpose === "email_change";
  if (result.ok) return { view: result.data.state === "verified" ? "verified" : "ready", emailChange };
  return { view: result.status === 400 ? "invalid" : "unreachable", emailChange };
}

export function VerifyEmail({ token }: { token: string | null }) {
  // Restored alongside, to offer the right way on afterwards.
  const session = useSession();
  const { name: appName } = useAppInfo();
  const [view, setView] = useState<View>(token ? "checking" : "invalid");
  const [round, setRound] = useState(0);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [emailChange, setEmailChange] = useState(false);

  useEffect(() => {
    if (!token) return;
    let current = true;
    // A read: asking twice (React's strict mode in development) changes nothing.
    void checkLink(token).then((next) => {
      if (!current) return;
      setView(next.view);
      setEmailChange(next.emailChange);
    });
    return () => {
      current = false;
    };
  }, [token, round]);

  async function verify() {
    if (!token) return;
    setBusy(true);
    setProblem(null);
    const result = await callApi("/api/auth/verify-email/", { method: "POST", body: { token } });
    setBusy(false);
    if (result.ok) return setView("verified");
    if (result.status === 400) return setView("invalid");
    setProblem(problemMessage(result));
  }

  switch (view) {
    case "checking":
      return <Loading>Opening your verification link…</Loading>;
    case "ready":
      if (emailChange) {
        return (
          <ResultScreen title="Confirm your new email address">
            <p>Press the button to make this the email address of your {appName} account. Your other sessions are then signed out.</p>
            <MessageNotice tone="error" text={problem} />
            <button type="button" className="button button-block" onClick={() => void verify()} disabled={busy}>
              {busy ? "Confirming…" : "Confirm my new address"}
            </button>
          </ResultScreen>
        );
      }
      return (
        <ResultScreen title="Confirm your email address">
          <p>Press the button to finish verifying the email address of your {appName} account.</p>
          <MessageNotice tone="error" text={problem} />
          <button type="button" className="button button-block" onClick={() => void verify()} disabled={busy}>
            {busy ? "Verifying…" : "Verify my email address"}
          </button>
        </ResultScreen>
      );
    case "verified":
      return <Verified session={session} emailChange={emailChange} />;
    case "unreachable":
      return (
        <ResultScreen title="We could not open your link yet">
          <p>{appName} did not answer. Check your connection, then try again.</p>
          <button
            type="button"
            className="button"
            onClick={() => {
              setView("checking");
              setRound((r) => r + 1);
            }}
          >
            Try again
          </button>
        </ResultScreen>
      );
    case "invalid":
      return (
        <ResultScreen title="This link does not work">
          <p>
            The verification link is invalid or has expired. Each link works for a limited time. Enter your email address
            and we will send you a new one.
          </p>
          <ResendVerification />
        </ResultScreen>
      );
  }
}

function Verified({ session, emailChange }: { session: SessionStatus; emailChange: boolean }) {
  return (
    <ResultScreen title={emailChange ? "Your new email address is confirmed" : "Your email address is verified"}>
      <p>{emailChange ? "Your account now uses this address. Sign in with it from now on." : "Thank you. Your email address is confirmed."}</p>
      {session === "loading" ? null : session === "signed-in" ? (
        <Link href="/profile/" className="button">
          Go to your profile
        </Link>
      ) : (
        <Link href="/login/" className="button">
          Sign in
        </Link>
      )}
    </ResultScreen>
  );
}
