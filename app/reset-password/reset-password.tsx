"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { DevMailboxNote } from "@/app/_components/dev-mailbox-note";
import { ResultScreen } from "@/app/_components/result-screen";
import { Loading } from "@/app/_components/status";
import { callApi } from "@/lib/client/api";
import { LinkTokenSchema } from "@/lib/validation";
import { NewPasswordForm } from "./new-password-form";
import { RequestResetForm } from "./request-reset-form";
import { ResendResetLink } from "./resend-reset-link";

type Why = "used" | "expired" | "invalid";

type Step =
  | { name: "request" }
  | { name: "sent"; email: string }
  | { name: "checking" }
  | { name: "choose" }
  | { name: "changed" }
  | { name: "invalid"; why: Why };

const WHY: Record<Why, { title: string; text: string }> = {
  used: {
    title: "This link was already used",
    text: "Each reset link works once, and asking for a new one replaces the old. Enter your email address for a new link, or sign in if you already set your password.",
  },
  expired: {
    title: "This link has expired",
    text: "A reset link works for one hour. Enter your email address and we will send you a new one.",
  },
  invalid: {
    title: "This link does not work",
    text: "The reset link is incomplete or unknown (it may have been cut short when copied). Enter your email address and we will send you a new one.",
  },
};

/** Whether the link can still set a password: asked on arrival, changing nothing. */
async function checkLink(token: string): Promise<Step> {
  const result = await callApi<{ state?: unknown }>("/api/auth/password/reset/check/", { method: "POST", body: { token } });
  if (result.ok) return { name: "choose" };
  const code = result.data.code;
  if (result.status === 400) return { name: "invalid", why: code === "used" || code === "expired" ? code : "invalid" };
  // No answer: let the form try; its own refusal says what happened.
  return { name: "choose" };
}

/**
 * Without a token: ask for a reset link. With one: choose a new password. The token is
 * spent only when the new password is submitted, never on arrival, so a mail scanner
 * that opens the link cannot use it up; a used or expired link says so before anyone
 * types a password.
 */
export function ResetPassword({ token }: { token: string | null }) {
  // A token that cannot be one of ours (cut short when copied, say) is refused at once.
  const [step, setStep] = useState<Step>(() =>
    token === null ? { name: "request" } : LinkTokenSchema.safeParse(token).success ? { name: "checking" } : { name: "invalid", why: "invalid" },
  );
  const sent = (email: string) => setStep({ name: "sent", email });
  // The emailed link carries the account's address in its fragment (lib/auth/password-reset.ts).
  const [username, setUsername] = useState<string | null>(null);
  useEffect(() => setUsername(new URLSearchParams(window.location.hash.slice(1)).get("email")), []);

  useEffect(() => {
    if (!token || step.name !== "checking") return;
    let current = true;
    void checkLink(token).then((next) => {
      if (current) setStep(next);
    });
    return () => {
      current = false;
    };
  }, [token, step.name]);

  switch (step.name) {
    case "checking":
      return <Loading>Opening your reset link…</Loading>;
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
            If <strong>{step.email}</strong> belongs to an account here, we sent it a link to reset the password. The
            link works once, for one hour.
          </p>
          <DevMailboxNote />
          <p className="muted">Nothing there? Check your spam folder, or send it again: a new link replaces the old one.</p>
          <ResendResetLink email={step.email} />
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
            username={username}
            onChanged={() => setStep({ name: "changed" })}
            onInvalid={() => setStep({ name: "checking" })}
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
        <ResultScreen title={WHY[step.why].title}>
          <p>{WHY[step.why].text}</p>
          <RequestResetForm onSent={sent} />
        </ResultScreen>
      );
  }
}
