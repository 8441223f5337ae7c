"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { EmailField, PasswordField } from "@/app/_components/field";
import { ResendVerification } from "@/app/_components/resend-verification";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import type { LoginAnswer } from "@/lib/api-schemas";
import { callApi, problemMessage } from "@/lib/client/api";
import { signIn } from "@/lib/client/session";
import { LoginSchema } from "@/lib/validation";
import type { SecondStep } from "./second-step-form";

const FIELDS = ["email", "password"] as const;
type FieldName = (typeof FIELDS)[number];

// The API says "Invalid credentials" for an unknown email, a wrong password and a
// social-only account alike (no enumeration); the page words it for people, as generically.
const BAD_CREDENTIALS = "The email address or password is incorrect.";


/**
 * Email and password. On success the session module holds the token and the panel moves
 * on; with two-step verification on, `onSecondStep` gets the token of the second step.
 */
export function LoginForm({ onAttempt, onSecondStep }: { onAttempt: () => void; onSecondStep: (step: SecondStep) => void }) {
  const [values, setValues] = useState<Record<FieldName, string>>({ email: "", password: "" });
  const form = useApiForm(FIELDS);
  // The address of an account that must verify its email first: offered a new link.
  const [unverified, setUnverified] = useState<string | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setUnverified(null);
    onAttempt();
    void form.submit({
      parsed: LoginSchema.safeParse(values),
      send: (data) => callApi<LoginAnswer>("/api/auth/login/", { method: "POST", body: data }),
      onSuccess: (body) => ("access" in body ? signIn(body.access) : onSecondStep({ mfaToken: body.mfa_token, methods: body.methods })),
      keepBusy: true,
      explain: (failure, data) => {
        if (failure.status === 403 && failure.data.code === "email_not_verified") {
          setUnverified(data.email);
          return null;
        }
        const badCredentials = failure.status === 400 && Array.isArray(failure.data.non_field_errors);
        return badCredentials ? BAD_CREDENTIALS : problemMessage(failure);
      },
    });
  }

  return (
    <>
      <MessageNotice tone="error" text={form.problem} />
      {unverified ? (
        <div className="alert alert-warning">
          <p role="alert">Verify your email address before signing in. We can send you a new link.</p>
          <ResendVerification email={unverified} idPrefix="login-resend" />
        </div>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Sign in with your email and password">
        <EmailField
          id="email"
          // "webauthn": the browser may offer the account's passkeys here (conditional UI).
          autoComplete="username webauthn"
          value={values.email}
          onChange={(e) => setValues((v) => ({ ...v, email: e.target.value }))}
          errors={form.errors.email}
          inputRef={form.refFor("email")}
        />
        <PasswordField
          id="password"
          label="Password"
          autoComplete="current-password"
          value={values.password}
          onChange={(e) => setValues((v) => ({ ...v, password: e.target.value }))}
          errors={form.errors.password}
          inputRef={form.refFor("password")}
        />
        {/* After the password and its switch, before the button: Tab from the email lands in the password. */}
        <p className="field-aside">
          <Link href="/reset-password/">Forgot password?</Link>
        </p>
        <SubmitButton busy={form.busy} busyLabel="Signing in…">
          Sign in
        </SubmitButton>
      </form>
    </>
  );
}
