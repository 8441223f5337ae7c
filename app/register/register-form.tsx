"use client";

import Link from "next/link";
import { useState, type ChangeEvent, type FormEvent } from "react";
import { AnnouncedHeading } from "@/app/_components/announced-heading";
import { Field, PasswordField } from "@/app/_components/field";
import { ResendVerification } from "@/app/_components/resend-verification";
import { Notice, SubmitButton } from "@/app/_components/status";
import { useFieldErrors } from "@/app/_components/use-field-errors";
import { callApi, fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, RegisterSchema, fieldErrorsFrom } from "@/lib/validation";

const FIELDS = ["username", "email", "password"] as const;
type FieldName = (typeof FIELDS)[number];

export function RegisterForm() {
  const [values, setValues] = useState<Record<FieldName, string>>({ username: "", email: "", password: "" });
  const { errors, show: showErrors, refFor } = useFieldErrors(FIELDS);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [registeredEmail, setRegisteredEmail] = useState<string | null>(null);

  const set = (field: FieldName) => (event: ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [field]: event.target.value }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    const parsed = RegisterSchema.safeParse(values);
    if (!parsed.success) return showErrors(fieldErrorsOf(fieldErrorsFrom(parsed.error), FIELDS));

    setBusy(true);
    const result = await callApi("/api/auth/register/", { method: "POST", body: parsed.data });
    setBusy(false);
    if (result.ok) {
      showErrors({});
      return setRegisteredEmail(parsed.data.email);
    }
    const fieldErrors = fieldErrorsOf(result.data, FIELDS);
    showErrors(fieldErrors);
    if (!Object.keys(fieldErrors).length) setProblem(problemMessage(result));
  }

  if (registeredEmail) {
    return <CheckYourEmail email={registeredEmail} onStartOver={() => setRegisteredEmail(null)} />;
  }

  return (
    <>
      <h1>Create your account</h1>
      <p className="lead">
        Already have one? <Link href="/login/">Sign in</Link>
      </p>
      {problem ? (
        <Notice tone="error">
          <p>{problem}</p>
        </Notice>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Create your account">
        <Field
          id="username"
          label="Username"
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          hint="Letters, numbers and @ . + - _ only."
          value={values.username}
          onChange={set("username")}
          errors={errors.username}
          inputRef={refFor("username")}
        />
        <Field
          id="email"
          label="Email address"
          type="email"
          inputMode="email"
          autoComplete="email"
          value={values.email}
          onChange={set("email")}
          errors={errors.email}
          inputRef={refFor("email")}
        />
        <PasswordField
          id="password"
          label="Password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters (up to ${PASSWORD_MAX_LENGTH}). A few unrelated words make a strong one.`}
          value={values.password}
          onChange={set("password")}
          errors={errors.password}
          inputRef={refFor("password")}
        />
        <SubmitButton busy={busy} busyLabel="Creating account…">
          Create account
        </SubmitButton>
      </form>
    </>
  );
}

function CheckYourEmail({ email, onStartOver }: { email: string; onStartOver: () => void }) {
  return (
    <div className="stack">
      <AnnouncedHeading>Check your email</AnnouncedHeading>
      <p>
        We sent an email to <strong>{email}</strong>. Open the link in it to verify your address.
      </p>
      <p className="muted">Nothing there? Check your spam folder, or send it again.</p>
      <ResendVerification email={email} />
      <div className="row">
        <Link href="/login/" className="button">
          Continue to sign in
        </Link>
        <button type="button" className="button button-secondary" onClick={onStartOver}>
          Use a different address
        </button>
      </div>
    </div>
  );
}
