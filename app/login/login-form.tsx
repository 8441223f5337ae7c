"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Field, PasswordField } from "@/app/_components/field";
import { ResendVerification } from "@/app/_components/resend-verification";
import { Notice, SubmitButton } from "@/app/_components/status";
import { useFieldErrors } from "@/app/_components/use-field-errors";
import { callApi, fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { signIn } from "@/lib/client/session";
import { LoginSchema, fieldErrorsFrom } from "@/lib/validation";

const FIELDS = ["email", "password"] as const;
type FieldName = (typeof FIELDS)[number];
type Problem = { kind: "message"; text: string } | { kind: "unverified"; email: string };

// The API says "Invalid credentials" for an unknown email, a wrong password and a
// social-only account alike (no enumeration); the page words it for people, as generically.
const BAD_CREDENTIALS = "The email address or password is incorrect.";

/** Email and password. On success the session module holds the token; the panel moves on. */
export function LoginForm({ onAttempt }: { onAttempt: () => void }) {
  const [values, setValues] = useState<Record<FieldName, string>>({ email: "", password: "" });
  const { errors, show: showErrors, refFor } = useFieldErrors(FIELDS);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    onAttempt();
    const parsed = LoginSchema.safeParse(values);
    if (!parsed.success) return showErrors(fieldErrorsOf(fieldErrorsFrom(parsed.error), FIELDS));
    showErrors({});

    setBusy(true);
    const result = await callApi<{ access: string }>("/api/auth/login/", { method: "POST", body: parsed.data });
    if (result.ok) return signIn(result.data.access); // stays busy: the page is about to change
    setBusy(false);

    const fieldErrors = fieldErrorsOf(result.data, FIELDS);
    if (Object.keys(fieldErrors).length) return showErrors(fieldErrors);
    if (result.status === 403 && result.data.code === "email_not_verified") {
      return setProblem({ kind: "unverified", email: parsed.data.email });
    }
    const badCredentials = result.status === 400 && Array.isArray(result.data.non_field_errors);
    setProblem({ kind: "message", text: badCredentials ? BAD_CREDENTIALS : problemMessage(result) });
  }

  return (
    <>
      {problem?.kind === "message" ? (
        <Notice tone="error">
          <p>{problem.text}</p>
        </Notice>
      ) : null}
      {problem?.kind === "unverified" ? (
        <div className="alert alert-warning">
          <p role="alert">Verify your email address before signing in. We can send you a new link.</p>
          <ResendVerification email={problem.email} idPrefix="login-resend" />
        </div>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Sign in with your email and password">
        <Field
          id="email"
          label="Email address"
          type="email"
          inputMode="email"
          autoComplete="email"
          value={values.email}
          onChange={(e) => setValues((v) => ({ ...v, email: e.target.value }))}
          errors={errors.email}
          inputRef={refFor("email")}
        />
        <PasswordField
          id="password"
          label="Password"
          autoComplete="current-password"
          value={values.password}
          onChange={(e) => setValues((v) => ({ ...v, password: e.target.value }))}
          errors={errors.password}
          inputRef={refFor("password")}
        />
        {/* After the password and its switch, before the button: Tab from the email lands in the password. */}
        <p className="field-aside">
          <Link href="/reset-password/">Forgot password?</Link>
        </p>
        <SubmitButton busy={busy} busyLabel="Signing in…">
          Sign in
        </SubmitButton>
      </form>
    </>
  );
}
