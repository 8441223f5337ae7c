"use client";

import { useState, type FormEvent } from "react";
import { Field } from "@/app/_components/field";
import { Notice, SubmitButton } from "@/app/_components/status";
import { useFieldErrors } from "@/app/_components/use-field-errors";
import { callApi, fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { PasswordResetRequestSchema, fieldErrorsFrom } from "@/lib/validation";

const FIELDS = ["email"] as const;

/** POST /api/auth/password/reset/: 202 whatever the account's state (no enumeration). */
export function RequestResetForm({ onSent }: { onSent: (email: string) => void }) {
  const [email, setEmail] = useState("");
  const { errors, show: showErrors, refFor } = useFieldErrors(FIELDS);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    const parsed = PasswordResetRequestSchema.safeParse({ email });
    if (!parsed.success) return showErrors(fieldErrorsOf(fieldErrorsFrom(parsed.error), FIELDS));
    showErrors({});

    setBusy(true);
    const result = await callApi("/api/auth/password/reset/", { method: "POST", body: parsed.data });
    setBusy(false);
    if (result.ok) return onSent(parsed.data.email);
    const fieldErrors = fieldErrorsOf(result.data, FIELDS);
    if (fieldErrors.email) return showErrors(fieldErrors);
    setProblem(problemMessage(result));
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Send a password reset link">
      {problem ? (
        <Notice tone="error">
          <p>{problem}</p>
        </Notice>
      ) : null}
      <Field
        id="reset-email"
        label="Email address"
        type="email"
        inputMode="email"
        autoComplete="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        errors={errors.email}
        inputRef={refFor("email")}
      />
      <SubmitButton busy={busy} busyLabel="Sending…">
        Send reset link
      </SubmitButton>
    </form>
  );
}
