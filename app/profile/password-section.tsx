"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { HiddenUsername, NewPasswordField, PasswordField } from "@/app/_components/field";
import { newPasswordWords } from "@/app/_components/field-words";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { callWithSession } from "@/lib/client/session";
import { PasswordChangeSchema } from "@/lib/validation";
import styles from "./profile.module.css";

const FIELDS = ["current_password", "new_password"] as const;
type FieldName = (typeof FIELDS)[number];
const EMPTY: Record<FieldName, string> = { current_password: "", new_password: "" };

type Props = {
  /** What the account signs in with, for password managers (a hidden username field). */
  username: string;
  /** Linked to Google or GitHub: the account may have no password yet. */
  hasProviders: boolean;
};

/** POST /api/auth/password/change/: keeps this session, ends the others. */
export function PasswordSection({ username, hasProviders }: Props) {
  const [values, setValues] = useState(EMPTY);
  const form = useApiForm(FIELDS);
  const [changed, setChanged] = useState(false);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setChanged(false);
    void form.submit({
      parsed: PasswordChangeSchema.safeParse(values),
      send: (data) => callWithSession("/api/auth/password/change/", { method: "POST", body: data }),
      onSuccess: () => {
        setValues(EMPTY);
        setChanged(true);
      },
    });
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
      <MessageNotice tone="success" text={changed ? "Password changed. Other sessions were signed out." : null} />
      <MessageNotice tone="error" text={form.problem} />
      <form onSubmit={submit} noValidate aria-label="Change your password" className={styles.form}>
        <HiddenUsername value={username} />
        <PasswordField
          id="current-password"
          label="Current password"
          autoComplete="current-password"
          hint={currentHint}
          value={values.current_password}
          onChange={(e) => setValues((v) => ({ ...v, current_password: e.target.value }))}
          errors={form.errors.current_password}
          inputRef={form.refFor("current_password")}
        />
        <NewPasswordField
          id="new-password"
          label="New password"
          value={values.new_password}
          onChange={(e) => setValues((v) => ({ ...v, new_password: e.target.value }))}
          errors={newPasswordWords(form.errors.new_password, values.new_password)}
          inputRef={form.refFor("new_password")}
        />
        <SubmitButton busy={form.busy} busyLabel="Changing password…" block={false}>
          Change password
        </SubmitButton>
      </form>
    </section>
  );
}
