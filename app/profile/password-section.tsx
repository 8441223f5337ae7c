"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { NewPasswordField, PasswordField } from "@/app/_components/field";
import { Notice, SubmitButton } from "@/app/_components/status";
import { useFieldErrors } from "@/app/_components/use-field-errors";
import { fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { PasswordChangeSchema, fieldErrorsFrom } from "@/lib/validation";
import styles from "./profile.module.css";

const FIELDS = ["current_password", "new_password"] as const;
type FieldName = (typeof FIELDS)[number];
const EMPTY: Record<FieldName, string> = { current_password: "", new_password: "" };

type Props = {
  /** Linked to Google or GitHub: the account may have no password yet. */
  hasProviders: boolean;
  /** The change ended the other sessions. */
  onChanged: () => void;
};

/** POST /api/auth/password/change/: keeps this session, ends the others. */
export function PasswordSection({ hasProviders, onChanged }: Props) {
  const [values, setValues] = useState(EMPTY);
  const { errors, show: showErrors, refFor } = useFieldErrors(FIELDS);
  const [message, setMessage] = useState<{ tone: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setMessage(null);
    const parsed = PasswordChangeSchema.safeParse(values);
    if (!parsed.success) return showErrors(fieldErrorsOf(fieldErrorsFrom(parsed.error), FIELDS));
    showErrors({});

    setBusy(true);
    const result = await callWithSession("/api/auth/password/change/", { method: "POST", body: parsed.data });
    setBusy(false);
    if (result.ok) {
      setValues(EMPTY);
      setMessage({ tone: "success", text: "Password changed. Other sessions were signed out." });
      return onChanged();
    }
    const fieldErrors = fieldErrorsOf(result.data, FIELDS);
    if (Object.keys(fieldErrors).length) return showErrors(fieldErrors);
    setMessage({ tone: "error", text: problemMessage(result) });
  }

  // A social-only account has no password, and the API calls any current password it is
  // given incorrect: the way to a first password is the reset email.
  const currentHint = hasProviders ? (
    <>
      Signed up with Google or GitHub and never set a password? <Link href="/reset-password/">Set one by email</Link>{" "}
      instead.
    </>
  ) : (
    <>
      Forgot it? <Link href="/reset-password/">Reset it by email</Link> instead.
    </>
  );

  return (
    <section aria-labelledby="password-heading" className={styles.section}>
      <h2 id="password-heading">Password</h2>
      <p className="muted">Changing it signs out your other sessions; this one stays signed in.</p>
      {message ? (
        <Notice tone={message.tone}>
          <p>{message.text}</p>
        </Notice>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Change your password" className={styles.form}>
        <PasswordField
          id="current-password"
          label="Current password"
          autoComplete="current-password"
          hint={currentHint}
          value={values.current_password}
          onChange={(e) => setValues((v) => ({ ...v, current_password: e.target.value }))}
          errors={errors.current_password}
          inputRef={refFor("current_password")}
        />
        <NewPasswordField
          id="new-password"
          label="New password"
          value={values.new_password}
          onChange={(e) => setValues((v) => ({ ...v, new_password: e.target.value }))}
          errors={errors.new_password}
          inputRef={refFor("new_password")}
        />
        <SubmitButton busy={busy} busyLabel="Changing password…" block={false}>
          Change password
        </SubmitButton>
      </form>
    </section>
  );
}
