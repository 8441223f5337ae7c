"use client";

import { useState } from "react";
import { MessageNotice, Notice } from "@/app/_components/status";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";

type State = { step: "idle" | "sending" } | { step: "sent" } | { step: "failed"; message: string };

/** An unverified address: say so, and resend the link for the signed-in user (Bearer, no body). */
export function EmailStatus({ email }: { email: string }) {
  const [state, setState] = useState<State>({ step: "idle" });

  async function resend() {
    setState({ step: "sending" });
    const result = await callWithSession("/api/auth/verify-email/resend/", { method: "POST" });
    setState(result.ok ? { step: "sent" } : { step: "failed", message: problemMessage(result) });
  }

  return (
    <div className="alert alert-warning">
      <p>To confirm it, open the link we sent to {email}. Nothing there? We can send a new one.</p>
      {state.step === "sent" ? (
        <Notice tone="success">
          <p>We sent a new verification link to {email}.</p>
        </Notice>
      ) : null}
      <MessageNotice tone="error" text={state.step === "failed" ? state.message : null} />
      <button type="button" className="button button-secondary button-small" onClick={resend} disabled={state.step === "sending"}>
        {state.step === "sending" ? "Sending…" : "Resend verification email"}
      </button>
    </div>
  );
}
