"use client";

import { useState, type FormEvent } from "react";
import { HiddenUsername, NewPasswordField } from "@/app/_components/field";
import { newPasswordWords } from "@/app/_components/field-words";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { callApi, problemMessage } from "@/lib/client/api";
import { PasswordResetConfirmSchema } from "@/lib/validation";

const FIELDS = ["password"] as const;

/** `username`: the account's address from the link's fragment, for password managers. */
type Props = { token: string; username: string | null; onChanged: () => void; onInvalid: () => void };

/** POST /api/auth/password/reset/confirm/ with the emailed token and the new password. */
export function NewPasswordForm({ token, username, onChanged, onInvalid }: Props) {
  const [password, setPassword] = useState("");
  const form = useApiForm(FIELDS);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // A refused password (a field error) leaves the token unspent: the visitor can try another.
    void form.submit({
      parsed: PasswordResetConfirmSchema.safeParse({ token, password }),
      send: (data) => callApi("/api/auth/password/reset/confirm/", { method: "POST", body: data }),
      onSuccess: onChanged,
      explain: (failure) => {
        // "Invalid or expired token": used, superseded, expired or unknown alike.
        if (failure.status !== 400) return problemMessage(failure);
        onInvalid();
        return null;
      },
    });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Choose a new password">
      <MessageNotice tone="error" text={form.problem} />
      {username ? <HiddenUsername value={username} /> : null}
      <NewPasswordField
        id="new-password"
        label="New password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        errors={newPasswordWords(form.errors.password, password)}
        inputRef={form.refFor("password")}
      />
      <SubmitButton busy={form.busy} busyLabel="Saving…">
        Set new password
      </SubmitButton>
    </form>
  );
}
