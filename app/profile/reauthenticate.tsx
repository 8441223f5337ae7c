"use client";

import { useState, type FormEvent } from "react";
import { Field, PasswordField } from "@/app/_components/field";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import type { ApiResult } from "@/lib/client/api";
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
  onConfirmed: () => void;
  onCancel: () => void;
};

/**
 * "Confirm it is you": the password again (or a code from the app), then the action
 * that asked for it goes on. Accounts with neither sign in again instead.
 */
export function Reauthenticate({ purpose, hasPassword, hasTotp, onConfirmed, onCancel }: Props) {
  const [method, setMethod] = useState<"password" | "code">(hasPassword ? "password" : "code");
  const [value, setValue] = useState("");
  const form = useApiForm(FIELDS);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void form.submit({
      parsed: ReauthenticateSchema.safeParse({ [method]: value }),
      send: (data) => callWithSession("/api/auth/reauthenticate/", { method: "POST", body: data }),
      onSuccess: () => onConfirmed(),
    });
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
      <MessageNotice tone="error" text={form.problem} />
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
            errors={form.errors.code}
            inputRef={form.refFor("code")}
          />
        )}
        <div className="row">
          <SubmitButton busy={form.busy} busyLabel="Checking…" block={false}>
            Confirm
          </SubmitButton>
          {hasPassword && hasTotp ? (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                setMethod(method === "password" ? "code" : "password");
                setValue("");
              }}
            >
              {method === "password" ? "Use a code instead" : "Use your password instead"}
            </button>
          ) : null}
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
