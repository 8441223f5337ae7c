"use client";

import { useRef, useState, type FormEvent } from "react";
import { callApi, fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { ResendVerificationSchema, fieldErrorsFrom } from "@/lib/validation";
import { Field } from "./field";
import { Notice } from "./status";

type State =
  | { step: "idle" }
  | { step: "sending" }
  | { step: "sent"; email: string }
  | { step: "failed"; message: string; fieldErrors?: string[] };

/**
 * Ask for a fresh verification email (POST /api/auth/verify-email/resend/, 202 whatever
 * the account's state). With a known address it is one button; without, an email field.
 */
export function ResendVerification({ email, idPrefix = "resend" }: { email?: string; idPrefix?: string }) {
  const [state, setState] = useState<State>({ step: "idle" });
  const [value, setValue] = useState("");
  const inputRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = ResendVerificationSchema.safeParse({ email: email ?? value });
    if (!parsed.success) {
      const errors = fieldErrorsFrom(parsed.error).email ?? [];
      setState({ step: "failed", message: "", fieldErrors: errors });
      inputRef.current?.focus();
      return;
    }
    setState({ step: "sending" });
    const result = await callApi("/api/auth/verify-email/resend/", { method: "POST", body: parsed.data });
    if (result.ok) return setState({ step: "sent", email: parsed.data.email });
    const fieldErrors = fieldErrorsOf(result.data, ["email"]).email;
    setState({ step: "failed", message: fieldErrors ? "" : problemMessage(result), fieldErrors });
    if (fieldErrors) inputRef.current?.focus();
  }

  const busy = state.step === "sending";
  return (
    <form onSubmit={submit} noValidate aria-label="Send a new verification email">
      {email ? null : (
        <Field
          id={`${idPrefix}-email`}
          label="Email address"
          type="email"
          autoComplete="email"
          inputMode="email"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          errors={state.step === "failed" ? state.fieldErrors : undefined}
          inputRef={inputRef}
        />
      )}
      {state.step === "sent" ? (
        <Notice tone="success">
          <p>
            If <strong>{state.email}</strong> belongs to an account that still needs verifying, a new link is on its way.
          </p>
        </Notice>
      ) : null}
      {state.step === "failed" && state.message ? (
        <Notice tone="error">
          <p>{state.message}</p>
        </Notice>
      ) : null}
      <button type="submit" className={`button ${email ? "button-secondary" : "button-block"}`} disabled={busy}>
        {busy ? (
          <>
            <span className="spinner" aria-hidden="true" />
            Sending…
          </>
        ) : email ? (
          state.step === "sent" ? "Send it again" : "Resend the email"
        ) : (
          "Send a new link"
        )}
      </button>
    </form>
  );
}
