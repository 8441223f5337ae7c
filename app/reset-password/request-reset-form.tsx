"use client";

import { useState, type FormEvent } from "react";
import { EmailField } from "@/app/_components/field";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { callApi } from "@/lib/client/api";
import { PasswordResetRequestSchema } from "@/lib/validation";

const FIELDS = ["email"] as const;

/** POST /api/auth/password/reset/: 202 whatever the account's state (no enumeration). */
export function RequestResetForm({ onSent }: { onSent: (email: string) => void }) {
  const [email, setEmail] = useState("");
  const form = useApiForm(FIELDS);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void form.submit({
      parsed: PasswordResetRequestSchema.safeParse({ email }),
      send: (data) => callApi("/api/auth/password/reset/", { method: "POST", body: data }),
      onSuccess: (_, data) => onSent(data.email),
    });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Send a password reset link">
      <MessageNotice tone="error" text={form.problem} />
      <EmailField
        id="reset-email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        errors={form.errors.email}
        inputRef={form.refFor("email")}
      />
      <SubmitButton busy={form.busy} busyLabel="Sending…">
        Send reset link
      </SubmitButton>
    </form>
  );
}
