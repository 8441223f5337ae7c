"use client";

import { useState, type FormEvent } from "react";
import { NewPasswordField } from "@/app/_components/field";
import { Notice, SubmitButton } from "@/app/_components/status";
import { useFieldErrors } from "@/app/_components/use-field-errors";
import { callApi, fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { PasswordResetConfirmSchema, fieldErrorsFrom } from "@/lib/validation";

const FIELDS = ["password"] as const;

type Props = { token: string; onChanged: () => void; onInvalid: () => void };

/** POST /api/auth/password/reset/confirm/ with the emailed token and the new password. */
export function NewPasswordForm({ token, onChanged, onInvalid }: Props) {
  const [password, setPassword] = useState("");
  const { errors, show: showErrors, refFor } = useFieldErrors(FIELDS);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    const parsed = PasswordResetConfirmSchema.safeParse({ token, password });
    if (!parsed.success) return showErrors(fieldErrorsOf(fieldErrorsFrom(parsed.error), FIELDS));
    showErrors({});

    setBusy(true);
    const result = await callApi("/api/auth/password/reset/confirm/", { method: "POST", body: parsed.data });
    setBusy(false);
    if (result.ok) return onChanged();
    // A refused password leaves the token unspent: the visitor can try another.
    const fieldErrors = fieldErrorsOf(result.data, FIELDS);
    if (fieldErrors.password) return showErrors(fieldErrors);
    // "Invalid or expired token": used, superseded, expired or unknown alike.
    if (result.status === 400) return onInvalid();
    setProblem(problemMessage(result));
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Choose a new password">
      {problem ? (
        <Notice tone="error">
          <p>{problem}</p>
        </Notice>
      ) : null}
      <NewPasswordField
        id="new-password"
        label="New password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        errors={errors.password}
        inputRef={refFor("password")}
      />
      <SubmitButton busy={busy} busyLabel="Saving…">
        Set new password
      </SubmitButton>
    </form>
  );
}
