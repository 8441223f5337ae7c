"use client";

import { useState, type FormEvent } from "react";
import { callApi } from "@/lib/client/api";
import { ResendVerificationSchema } from "@/lib/validation";
import { EmailField } from "./field";
import { MessageNotice, Notice, SubmitButton } from "./status";
import { useApiForm } from "./use-api-form";

const FIELDS = ["email"] as const;

/**
 * Ask for a fresh verification email (POST /api/auth/verify-email/resend/, 202 whatever
 * the account's state). With a known address it is one button; without, an email field.
 */
export function ResendVerification({ email, idPrefix = "resend" }: { email?: string; idPrefix?: string }) {
  const [value, setValue] = useState("");
  const form = useApiForm(FIELDS);
  const [sentTo, setSentTo] = useState<string | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSentTo(null);
    void form.submit({
      parsed: ResendVerificationSchema.safeParse({ email: email ?? value }),
      send: (data) => callApi("/api/auth/verify-email/resend/", { method: "POST", body: data }),
      onSuccess: (_, data) => setSentTo(data.email),
    });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Send a new verification email">
      {email ? null : (
        <EmailField
          id={`${idPrefix}-email`}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          errors={form.errors.email}
          inputRef={form.refFor("email")}
        />
      )}
      {sentTo ? (
        <Notice tone="success">
          <p>
            If <strong>{sentTo}</strong> belongs to an account that still needs verifying, a new link is on its way.
          </p>
        </Notice>
      ) : null}
      <MessageNotice tone="error" text={form.problem} />
      {/* With the address known this is a side action next to the page's own; without, the form's only one. */}
      <SubmitButton busy={form.busy} busyLabel="Sending…" block={!email} secondary={Boolean(email)}>
        {email ? (sentTo ? "Send it again" : "Resend the email") : "Send a new link"}
      </SubmitButton>
    </form>
  );
}
