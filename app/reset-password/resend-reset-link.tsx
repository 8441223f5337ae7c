"use client";

import { useState } from "react";
import { MessageNotice, Notice } from "@/app/_components/status";
import { callApi, problemMessage } from "@/lib/client/api";

type State = { step: "idle" | "sending" | "sent" } | { step: "failed"; message: string };

/** "Check your email" for a reset: the same request again (202 whatever the account), a new link replacing the old. */
export function ResendResetLink({ email }: { email: string }) {
  const [state, setState] = useState<State>({ step: "idle" });

  async function resend() {
    setState({ step: "sending" });
    const result = await callApi("/api/auth/password/reset/", { method: "POST", body: { email } });
    setState(result.ok ? { step: "sent" } : { step: "failed", message: problemMessage(result) });
  }

  return (
    <div>
      {state.step === "sent" ? (
        <Notice tone="success">
          <p>
            If <strong>{email}</strong> belongs to an account, a new link is on its way. Only the newest link works.
          </p>
        </Notice>
      ) : null}
      <MessageNotice tone="error" text={state.step === "failed" ? state.message : null} />
      <button type="button" className="button button-secondary" onClick={() => void resend()} disabled={state.step === "sending"}>
        {state.step === "sending" ? "Sending…" : state.step === "sent" ? "Send it again" : "Resend the email"}
      </button>
    </div>
  );
}
