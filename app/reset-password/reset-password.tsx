"use client";

import Link from "next/link";
import { useState } from "react";
import { ResultScreen } from "@/app/_components/result-screen";
import { LinkTokenSchema } from "@/lib/validation";
import { NewPasswordForm } from "./new-password-form";
import { RequestResetForm } from "./request-reset-form";

type Step =
  | { name: "request" }
  | { name: "sent"; email: string }
  | { name: "choose" }
  | { name: "changed" }
  | { name: "invalid" };

/**
 * Without a token: ask for a reset link. With one: choose a new password. The token is
 * spent only when the new password is submitted, never on arrival, so a mail scanner
 * that opens the link cannot use it up.
 */
export function ResetPassword({ token }: { token: string | null }) {
  // A token that cannot be one of ours (cut short when copied, say) is refused at once.
  const [step, setStep] = useState<Step>(() =>
    token === null ? { name: "request" } : LinkTokenSchema.safeParse(token).success ? { name: "choose" } : { name: "invalid" },
  );
  const sent = (email: string) => setStep({ name: "sent", email });

  switch (step.name) {
    case "request":
      return (
        <>
          <h1>Forgot your password?</h1>
          <p className="lead">
            Enter the email address of your account and we will send you a link to choose a new password. If you signed
            up with Google or GitHub, the same link sets your first password.
          </p>
          <RequestResetForm onSent={sent} />
          <p className="center muted form-footer">
            Remembered it? <Link href="/login/">Sign in</Link>
          </p>
        </>
      );
    case "sent":
      return (
        <ResultScreen title="Check your email">
          <p>
            If <strong>{step.email}</strong> belongs to a Gatehouse account, we sent it a link to reset the password.
            The link works once, for one hour.
          </p>
          <p className="muted">Nothing there? Check your spam folder, or ask again: a new link replaces the old one.</p>
          <div className="row">
            <Link href="/login/" className="button">
              Back to sign in
            </Link>
            <button type="button" className="button button-secondary" onClick={() => setStep({ name: "request" })}>
              Use a different address
            </button>
          </div>
        </ResultScreen>
      );
    case "choose":
      return (
        <>
          <h1>Choose a new password</h1>
          <p className="lead">Setting it signs your account out everywhere, on this device too.</p>
          <NewPasswordForm
            token={token ?? ""}
            onChanged={() => setStep({ name: "changed" })}
            onInvalid={() => setStep({ name: "invalid" })}
          />
        </>
      );
    case "changed":
      return (
        <ResultScreen title="Your password was changed">
          <p>Your new password is set, and every session of your account was signed out, on all devices.</p>
          <p>Sign in again with your new password.</p>
          <Link href="/login/" className="button">
            Sign in
          </Link>
        </ResultScreen>
      );
    case "invalid":
      return (
        <ResultScreen title="This link does not work">
          <p>
            The reset link is invalid or has expired. Each link works once, for one hour, and asking again replaces it.
            Enter your email address and we will send you a new one.
          </p>
          <RequestResetForm onSent={sent} />
        </ResultScreen>
      );
  }
}
