"use client";

import { useState, type FormEvent } from "react";
import { callApi, fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { ResendVerificationSchema, fieldErrorsFrom } from "@/lib/validation";
import { Field } from "./field";
import { Notice } from "./status";
import { useFieldErrors } from "./use-field-errors";

type State = { step: "idle" | "sending" } | { step: "sent"; email: string } | { step: "failed"; message: string };

const FIELDS = ["email"] as const;

/**
 * Ask for a fresh verification email (POST /api/auth/verify-email/resend/, 202 whatever
 * the account's state). With a known address it is one button; without, an email field.
 */
export function ResendVerification({ email, idPrefix = "resend" }: { email?: string; idPrefix?: string }) {
  const [state, setState] = useState<State>({ step: "idle" });
  const [value, setValue] = useState("");
  const { errors, show: showErrors, refFor } = useFieldErrors(FIELDS);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = ResendVerificationSchema.safeParse({ email: email ?? value });
    if (!parsed.success) {
      setState({ step: "idle" });
      return showErrors(fieldErrorsOf(fieldErrorsFrom(parsed.error), FIELDS));
    }
    showErrors({});
    setState({ step: "sending" });
    const result = await callApi("/api/auth/verify-email/resend/", { method: "POST", body: parsed.data });
    if (result.ok) return setState({ step: "sent", email: parsed.data.email });
    const fieldErrors = fieldErrorsOf(result.data, FIELDS);
    if (fieldErrors.email) {
      setState({ step: "idle" });
      return showErrors(fieldErrors);
    }
    setState({ step: "failed", message: problemMessage(result) });
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
          errors={errors.email}
          inputRef={refFor("email")}
        />
      )}
      {state.step === "sent" ? (
        <Notice tone="success">
          <p>
            If <strong>{state.email}</strong> belongs to an account that still needs verifying, a new link is on its way.
          </p>
        </Notice>
      ) : null}
      {state.step === "failed" ? (
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
