"use client";

import Link from "next/link";
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { Field, PasswordField } from "@/app/_components/field";
import { ResendVerification } from "@/app/_components/resend-verification";
import { Notice, SubmitButton } from "@/app/_components/status";
import { callApi, fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, RegisterSchema, fieldErrorsFrom } from "@/lib/validation";

const FIELDS = ["username", "email", "password"] as const;
type FieldName = (typeof FIELDS)[number];
type Errors = Partial<Record<FieldName, string[]>>;

export function RegisterForm() {
  const [values, setValues] = useState<Record<FieldName, string>>({ username: "", email: "", password: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [registeredEmail, setRegisteredEmail] = useState<string | null>(null);
  const refs = { username: useRef<HTMLInputElement>(null), email: useRef<HTMLInputElement>(null), password: useRef<HTMLInputElement>(null) };

  const set = (field: FieldName) => (event: ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [field]: event.target.value }));

  function showErrors(next: Errors) {
    setErrors(next);
    // Focus the first field in error: its message is read out with it (aria-describedby).
    const first = FIELDS.find((f) => next[f]?.length);
    if (first) refs[first].current?.focus();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    const parsed = RegisterSchema.safeParse(values);
    if (!parsed.success) return showErrors(fieldErrorsOf(fieldErrorsFrom(parsed.error), FIELDS));

    setBusy(true);
    const result = await callApi("/api/auth/register/", { method: "POST", body: parsed.data });
    setBusy(false);
    if (result.ok) {
      setErrors({});
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
          inputRef={refs.username}
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
          inputRef={refs.email}
        />
        <PasswordField
          id="password"
          label="Password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters (up to ${PASSWORD_MAX_LENGTH}). A few unrelated words make a strong one.`}
          value={values.password}
          onChange={set("password")}
          errors={errors.password}
          inputRef={refs.password}
        />
        <SubmitButton busy={busy} busyLabel="Creating account…">
          Create account
        </SubmitButton>
      </form>
    </>
  );
}

function CheckYourEmail({ email, onStartOver }: { email: string; onStartOver: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // The form is gone: move focus to the news so keyboard and screen-reader users hear it.
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="stack">
      <h1 tabIndex={-1} ref={heading}>
        Check your email
      </h1>
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
