"use client";

import { useState, type FormEvent } from "react";
import { Field, PasswordField } from "@/app/_components/field";
import { codeWords } from "@/app/_components/field-words";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { problemMessage, type ApiResult } from "@/lib/client/api";
import { getPasskeyAssertion } from "@/lib/client/passkey";
import { callWithSession } from "@/lib/client/session";
import { ReauthenticateSchema } from "@/lib/validation";
import styles from "./profile.module.css";

const FIELDS = ["password", "code"] as const;

/** True for the API's answer to a sensitive change from a sign-in that is too old. */
export const needsReauthentication = (result: ApiResult<unknown>): boolean =>
  !result.ok && result.status === 403 && result.data.code === "reauthentication_required";

type Props = {
  /** What the user was doing, for the heading: "turn on two-step verification". */
  purpose: string;
  hasPassword: boolean;
  hasTotp: boolean;
  hasPasskey: boolean;
  onConfirmed: () => void;
  onCancel: () => void;
};

/**
 * "Confirm it is you": the password again (a code instead, with two-step on), or one of
 * the account's passkeys; then the action that asked for it goes on. Accounts with none
 * of them sign in again instead.
 */
export function Reauthenticate({ purpose, hasPassword, hasTotp, hasPasskey, onConfirmed, onCancel }: Props) {
  // With two-step on, a password alone does not confirm it (docs/decisions/019): the code
  // or a passkey, the strongest factor the account has.
  const method: "password" | "code" = hasPassword && !hasTotp ? "password" : "code";
  const [value, setValue] = useState("");
  const [passkeyProblem, setPasskeyProblem] = useState<string | null>(null);
  const [passkeyBusy, setPasskeyBusy] = useState(false);
  const form = useApiForm(FIELDS);

  async function usePasskey() {
    setPasskeyProblem(null);
    setPasskeyBusy(true);
    const assertion = await getPasskeyAssertion();
    if (!assertion.ok) {
      setPasskeyBusy(false);
      return setPasskeyProblem(assertion.reason === "cancelled" ? "No passkey was used." : assertion.message);
    }
    const result = await callWithSession("/api/auth/reauthenticate/", { method: "POST", body: { passkey: assertion.response } });
    setPasskeyBusy(false);
    if (result.ok) return onConfirmed();
    setPasskeyProblem(result.data.code === "passkey_verification_failed" ? "That passkey is not one of this account's." : problemMessage(result));
  }

  const passkeyButton = hasPasskey ? (
    <button type="button" className="button button-secondary" onClick={() => void usePasskey()} disabled={passkeyBusy}>
      {passkeyBusy ? "Waiting for your passkey…" : "Use a passkey"}
    </button>
  ) : null;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void form.submit({
      parsed: ReauthenticateSchema.safeParse({ [method]: value }),
      send: (data) => callWithSession("/api/auth/reauthenticate/", { method: "POST", body: data }),
      onSuccess: () => onConfirmed(),
    });
  }

  if (!hasPassword && !hasTotp && hasPasskey) {
    return (
      <div className={styles.panel}>
        <h3 className={styles.panelHeading}>Confirm it is you</h3>
        <p className="muted">You signed in a while ago. To {purpose}, use one of your passkeys again.</p>
        <MessageNotice tone="error" text={passkeyProblem} />
        <div className="row">
          {passkeyButton}
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    );
  }

  if (!hasPassword && !hasTotp) {
    return (
      <div className="alert alert-info" role="status">
        <p>
          To {purpose}, sign in again first: your account has no password to confirm it with. Log out, sign in with your
          provider, and come back here within a few minutes.
        </p>
        <button type="button" className="button button-secondary button-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    );
  }

  return (
    <div className={styles.panel}>
      <h3 className={styles.panelHeading}>Confirm it is you</h3>
      <p className="muted">You signed in a while ago. To {purpose}, enter your {method === "password" ? "password" : "code from your authenticator app"} again.</p>
      <MessageNotice tone="error" text={form.problem ?? passkeyProblem} />
      <form onSubmit={submit} noValidate aria-label="Confirm it is you" className={styles.form}>
        {method === "password" ? (
          <PasswordField
            id="reauth-password"
            label="Password"
            autoComplete="current-password"
            autoFocus
            value={value}
            onChange={(e) => setValue(e.target.value)}
            errors={form.errors.password}
            inputRef={form.refFor("password")}
          />
        ) : (
          <Field
            id="reauth-code"
            label="Code from your authenticator app"
            inputMode="numeric"
            autoComplete="one-time-code"
            autoFocus
            value={value}
            onChange={(e) => setValue(e.target.value)}
            errors={codeWords(form.errors.code)}
            inputRef={form.refFor("code")}
          />
        )}
        <div className="row">
          <SubmitButton busy={form.busy} busyLabel="Checking…" block={false}>
            Confirm
          </SubmitButton>
          {passkeyButton}
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
