"use client";

import Link from "next/link";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Field } from "@/app/_components/field";
import { codeWords } from "@/app/_components/field-words";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { callApi, problemMessage, type ApiFailure } from "@/lib/client/api";
import { getPasskeyAssertion } from "@/lib/client/passkey";
import { signIn } from "@/lib/client/session";
import { SecondFactorCodeSchema } from "@/lib/validation";
import { z } from "zod";

/** What the first step answered: the token and the methods the second may use. */
export type SecondStep = { mfaToken: string; methods: string[] };

const FIELDS = ["code"] as const;
const CodeSchema = z.object({ code: SecondFactorCodeSchema });
const EXPIRED = "This sign-in has expired. Sign in again.";

const explain = (failure: ApiFailure): string =>
  failure.status === 400 && failure.data.detail === "Invalid or expired token" ? EXPIRED : problemMessage(failure);

/**
 * The second step of a sign-in (docs/api.md, mfa/verify): a code from the authenticator
 * app, a recovery code, or a passkey. Wrong codes leave the step open until it expires.
 */
export function SecondStepForm({ step }: { step: SecondStep }) {
  const [kind, setKind] = useState<"code" | "recovery_code">("code");
  const [value, setValue] = useState("");
  const [passkeyProblem, setPasskeyProblem] = useState<string | null>(null);
  const [passkeyBusy, setPasskeyBusy] = useState(false);
  const form = useApiForm(FIELDS);
  const offersPasskey = step.methods.includes("passkey");
  const input = useRef<HTMLInputElement | null>(null);
  const switched = useRef(false);
  // After "Use a recovery code instead" (or back), the field that changed takes focus.
  useEffect(() => {
    if (switched.current) input.current?.focus();
  }, [kind]);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPasskeyProblem(null);
    void form.submit({
      parsed: CodeSchema.safeParse({ code: value }),
      send: (data) =>
        callApi<{ access: string }>("/api/auth/mfa/verify/", { method: "POST", body: { mfa_token: step.mfaToken, [kind]: data.code } }),
      onSuccess: (body) => signIn(body.access),
      keepBusy: true,
      explain,
    });
  }

  async function usePasskey() {
    setPasskeyProblem(null);
    setPasskeyBusy(true);
    const assertion = await getPasskeyAssertion();
    if (!assertion.ok) {
      setPasskeyBusy(false);
      setPasskeyProblem(assertion.reason === "cancelled" ? "No passkey was used." : assertion.message);
      return;
    }
    const result = await callApi<{ access: string }>("/api/auth/mfa/verify/", {
      method: "POST",
      body: { mfa_token: step.mfaToken, passkey: assertion.response },
    });
    if (result.ok) return signIn(result.data.access);
    setPasskeyBusy(false);
    setPasskeyProblem(explain(result));
  }

  const expired = form.problem === EXPIRED || passkeyProblem === EXPIRED;
  const codeErrors = codeWords(form.errors.code, kind);

  return (
    <>
      <h1>Two-step verification</h1>
      <p className="lead">
        {kind === "code"
          ? "Enter the 6-digit code from your authenticator app."
          : "Enter one of the recovery codes you saved when you turned on two-step verification. Each works once."}
      </p>
      <MessageNotice tone="error" text={form.problem ?? passkeyProblem} />
      {expired ? (
        <p>
          <Link href="/login/">Sign in again</Link>
        </p>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Second step of signing in">
        <Field
          id="second-step-code"
          label={kind === "code" ? "Code from your authenticator app" : "Recovery code"}
          inputMode={kind === "code" ? "numeric" : "text"}
          autoComplete="one-time-code"
          autoCapitalize="characters"
          spellCheck={false}
          autoFocus
          value={value}
          onChange={(e) => setValue(e.target.value)}
          errors={codeErrors}
          inputRef={(element) => {
            form.refFor("code")(element);
            input.current = element;
          }}
        />
        <SubmitButton busy={form.busy} busyLabel="Checking…">
          Verify
        </SubmitButton>
      </form>
      <p className="divider">or</p>
      <div className="stack">
        <button
          type="button"
          className="button button-secondary button-block"
          onClick={() => {
            // Another kind of code: the last one's error is about nothing on screen now.
            switched.current = true;
            setKind(kind === "code" ? "recovery_code" : "code");
            setValue("");
            form.reset();
            setPasskeyProblem(null);
          }}
        >
          {kind === "code" ? "Use a recovery code instead" : "Use a code from the app instead"}
        </button>
        {offersPasskey ? (
          <button type="button" className="button button-secondary button-block" onClick={() => void usePasskey()} disabled={passkeyBusy}>
            {passkeyBusy ? "Waiting for your passkey…" : "Use a passkey instead"}
          </button>
        ) : null}
      </div>
    </>
  );
}
