"use client";

import Link from "next/link";
import { useState } from "react";
import { useAppInfo } from "@/app/_components/app-info";
import { ResultScreen } from "@/app/_components/result-screen";
import { MessageNotice } from "@/app/_components/status";
import { callApi, problemMessage } from "@/lib/client/api";

// The "this wasn't me" link of the notice sent to the account's current address when a
// change of address is asked for (docs/api.md). Like every emailed link, it opens a page
// that changes nothing until its button is pressed: a mail scanner opening it cancels
// nothing and signs nobody out.

type View = { state: "ready" } | { state: "done"; message: string } | { state: "invalid" };

export function CancelEmailChange({ token }: { token: string | null }) {
  const { name: appName } = useAppInfo();
  const [view, setView] = useState<View>(token ? { state: "ready" } : { state: "invalid" });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function cancel() {
    if (!token) return;
    setBusy(true);
    setProblem(null);
    const result = await callApi<{ message?: unknown }>("/api/auth/email/change/cancel/", { method: "POST", body: { token } });
    setBusy(false);
    if (result.ok) return setView({ state: "done", message: typeof result.data.message === "string" ? result.data.message : "The change is cancelled." });
    if (result.status === 400) return setView({ state: "invalid" });
    setProblem(problemMessage(result));
  }

  switch (view.state) {
    case "ready":
      return (
        <ResultScreen title="Was this not you?">
          <p>
            Someone asked to change the email address of your {appName} account. If it was not you, press the button: the change is
            cancelled (or undone, if it was already confirmed) and every session of the account is signed out.
          </p>
          <MessageNotice tone="error" text={problem} />
          <button type="button" className="button button-block" onClick={() => void cancel()} disabled={busy}>
            {busy ? "Cancelling…" : "Cancel the change and sign everyone out"}
          </button>
          <p className="muted">If it was you, close this page: nothing happens until the button is pressed.</p>
        </ResultScreen>
      );
    case "done":
      return (
        <ResultScreen title="The change is stopped">
          <p>{view.message}</p>
          <p>Whoever asked for it may know your password: choose a new one now.</p>
          <Link href="/reset-password/" className="button">
            Reset my password
          </Link>
        </ResultScreen>
      );
    case "invalid":
      return (
        <ResultScreen title="This link does not work">
          <p>The link is invalid, has expired, or was used already. If you think someone else is using your account, reset your password.</p>
          <Link href="/reset-password/" className="button">
            Reset my password
          </Link>
        </ResultScreen>
      );
  }
}
