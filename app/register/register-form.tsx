"use client";

import Link from "next/link";
import { useState, type ChangeEvent, type FormEvent } from "react";
import { DevMailboxNote } from "@/app/_components/dev-mailbox-note";
import { EmailField, Field, NewPasswordField } from "@/app/_components/field";
import { newPasswordWords, usernameWords } from "@/app/_components/field-words";
import { ResendVerification } from "@/app/_components/resend-verification";
import { ResultScreen } from "@/app/_components/result-screen";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { callApi } from "@/lib/client/api";
import { RegisterSchema } from "@/lib/validation";

const FIELDS = ["username", "email", "password"] as const;
type FieldName = (typeof FIELDS)[number];

export function RegisterForm() {
  const [values, setValues] = useState<Record<FieldName, string>>({ username: "", email: "", password: "" });
  const form = useApiForm(FIELDS);
  const [registeredEmail, setRegisteredEmail] = useState<string | null>(null);

  const set = (field: FieldName) => (event: ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [field]: event.target.value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void form.submit({
      parsed: RegisterSchema.safeParse(values),
      send: (data) => callApi("/api/auth/register/", { method: "POST", body: data }),
      onSuccess: (_, data) => setRegisteredEmail(data.email),
    });
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
      <MessageNotice tone="error" text={form.problem} />
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
          errors={usernameWords(form.errors.username, values.username)}
          inputRef={form.refFor("username")}
        />
        <EmailField
          id="email"
          value={values.email}
          onChange={set("email")}
          errors={form.errors.email}
          inputRef={form.refFor("email")}
        />
        <NewPasswordField
          id="password"
          label="Password"
          value={values.password}
          onChange={set("password")}
          errors={newPasswordWords(form.errors.password, values.password)}
          inputRef={form.refFor("password")}
        />
        <SubmitButton busy={form.busy} busyLabel="Creating account…">
          Create account
        </SubmitButton>
      </form>
    </>
  );
}

function CheckYourEmail({ email, onStartOver }: { email: string; onStartOver: () => void }) {
  return (
    <ResultScreen title="Check your email">
      <p>
        We sent an email to <strong>{email}</strong>. Open the link in it to verify your address.
      </p>
      <DevMailboxNote />
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
    </ResultScreen>
  );
}
