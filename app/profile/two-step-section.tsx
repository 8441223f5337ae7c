"use client";

import { useState, type FormEvent } from "react";
import { Field } from "@/app/_components/field";
import { codeWords } from "@/app/_components/field-words";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import type { MfaStatus, TotpSetup } from "@/lib/api-schemas";
import { problemMessage, type ApiResult } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { MfaCodeSchema } from "@/lib/validation";
import { QrCode } from "./qr-code";
import { RecoveryCodes } from "./recovery-codes";
import { needsReauthentication, Reauthenticate } from "./reauthenticate";
import styles from "./profile.module.css";

type Step =
  | { kind: "idle" }
  | { kind: "reauth" }
  | { kind: "setup"; setup: TotpSetup }
  | { kind: "codes"; codes: string[]; why: "enabled" | "renewed" };

/** "Two-step verification": turn TOTP on (QR code, key, first code), see recovery codes once, renew them, turn it off. */
export function TwoStepSection({ status, account, onChange }: { status: MfaStatus; account: string; onChange: () => void }) {
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: "success" | "error"; text: string } | null>(null);

  async function startSetup() {
    setBusy(true);
    setMessage(null);
    const result = await callWithSession<TotpSetup>("/api/auth/mfa/totp/setup/", { method: "POST" });
    setBusy(false);
    if (result.ok) setStep({ kind: "setup", setup: result.data });
    else if (needsReauthentication(result)) setStep({ kind: "reauth" });
    else setMessage({ tone: "error", text: problemMessage(result) });
  }

  // The status line says "On" or "Off" (and is announced): no banner repeats it. Only
  // what the line cannot say gets a message.
  const finish = (text: string | null) => {
    setStep({ kind: "idle" });
    setMessage(text ? { tone: "success", text } : null);
    onChange();
  };

  return (
    <section aria-labelledby="two-step-heading" className={styles.section}>
      <h2 id="two-step-heading">Two-step verification</h2>
      <p className="muted">
        Signing in also asks for a 6-digit code from an authenticator app on your phone, so a stolen password is not enough.
      </p>
      <TwoStepStatus status={status} />
      {message ? <MessageNotice {...message} /> : null}
      {step.kind === "codes" ? (
        <RecoveryCodes
          codes={step.codes}
          account={account}
          intro={step.why === "enabled" ? "Two-step verification is on." : "Your old recovery codes no longer work."}
          onDone={() => finish(step.why === "enabled" ? null : "New recovery codes saved. The old ones no longer work.")}
        />
      ) : step.kind === "setup" ? (
        <ConfirmSetup setup={step.setup} onConfirmed={(codes) => setStep({ kind: "codes", codes, why: "enabled" })} onCancel={() => setStep({ kind: "idle" })} />
      ) : step.kind === "reauth" ? (
        <Reauthenticate
          purpose="turn on two-step verification"
          hasPassword={status.password}
          hasTotp={status.totp}
          hasPasskey={status.passkeys.length > 0}
          onConfirmed={() => void startSetup()}
          onCancel={() => setStep({ kind: "idle" })}
        />
      ) : status.totp ? (
        <TotpOn onRenewed={(codes) => setStep({ kind: "codes", codes, why: "renewed" })} onDisabled={() => finish(null)} />
      ) : (
        <button type="button" className="button" onClick={() => void startSetup()} disabled={busy}>
          {busy ? "Starting…" : "Turn on two-step verification"}
        </button>
      )}
    </section>
  );
}

function ConfirmSetup({ setup, onConfirmed, onCancel }: { setup: TotpSetup; onConfirmed: (codes: string[]) => void; onCancel: () => void }) {
  const [code, setCode] = useState("");
  const form = useApiForm(["code"] as const);
  const grouped = setup.secret.match(/.{1,4}/g)?.join(" ") ?? setup.secret;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void form.submit({
      parsed: MfaCodeSchema.safeParse({ code }),
      send: (data) => callWithSession<{ recovery_codes: string[] }>("/api/auth/mfa/totp/confirm/", { method: "POST", body: data }),
      onSuccess: (body) => onConfirmed(body.recovery_codes),
    });
  }

  return (
    <div className={styles.panel}>
      <ol className={styles.steps}>
        <li>
          <p>Scan this QR code with your authenticator app (Google Authenticator, 1Password, Aegis…).</p>
          <QrCode text={setup.otpauth_uri} label="QR code for your authenticator app" />
          {/* Not a step of its own: the way to do step 1 without a camera. */}
          <div className={styles.alternative}>
            <p>Cannot scan it? Type this key into the app instead:</p>
            <p>
              <code className={styles.secret} aria-label={`Key: ${setup.secret.split("").join(" ")}`}>
                {grouped}
              </code>
            </p>
          </div>
        </li>
        <li>
          <p>Enter the 6-digit code the app shows.</p>
          <MessageNotice tone="error" text={form.problem} />
          <form onSubmit={submit} noValidate aria-label="Confirm two-step verification" className={styles.form}>
            <Field
              id="totp-confirm-code"
              label="Code from the app"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              errors={codeWords(form.errors.code)}
              inputRef={form.refFor("code")}
            />
            <div className="row">
              <SubmitButton busy={form.busy} busyLabel="Checking…" block={false}>
                Turn on
              </SubmitButton>
              <button type="button" className="button button-secondary" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}

/** A code form for an action on TOTP that is on: new recovery codes, or turning it off. */
function CodeAction(props: {
  id: string;
  label: string;
  hint: string;
  submitLabel: string;
  busyLabel: string;
  danger?: boolean;
  /** What the field takes, for the words of a refused code. */
  accepts: "code" | "either";
  send: (code: string) => Promise<ApiResult<{ recovery_codes?: string[] }>>;
  onDone: (codes: string[]) => void;
}) {
  const [code, setCode] = useState("");
  const form = useApiForm(["code"] as const);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void form.submit({
      parsed: MfaCodeSchema.safeParse({ code }),
      send: (data) => props.send(data.code),
      onSuccess: (body) => props.onDone(body?.recovery_codes ?? []),
    });
  }
  return (
    <form onSubmit={submit} noValidate aria-label={props.submitLabel} className={styles.form}>
      <MessageNotice tone="error" text={form.problem} />
      <Field
        id={props.id}
        label={props.label}
        hint={props.hint}
        autoComplete="one-time-code"
        value={code}
        onChange={(e) => setCode(e.target.value)}
        errors={codeWords(form.errors.code, props.accepts)}
        inputRef={form.refFor("code")}
      />
      {props.danger ? (
        <button type="submit" className="button button-danger" disabled={form.busy}>
          {form.busy ? props.busyLabel : props.submitLabel}
        </button>
      ) : (
        <SubmitButton busy={form.busy} busyLabel={props.busyLabel} block={false} secondary>
          {props.submitLabel}
        </SubmitButton>
      )}
    </form>
  );
}

/** "On" or "Off", and the recovery codes left: one line, announced when it changes. */
function TwoStepStatus({ status }: { status: MfaStatus }) {
  const left = status.recovery_codes_left;
  return (
    <p role="status" className={styles.statusLine}>
      {status.totp ? (
        <>
          <span className="badge badge-success">On</span>{" "}
          <span className={left <= 2 ? styles.warningText : "muted"}>
            {left === 1 ? "1 recovery code left." : `${left} recovery codes left.`}
          </span>
        </>
      ) : (
        <span className="badge badge-neutral">Off</span>
      )}
    </p>
  );
}

function TotpOn({ onRenewed, onDisabled }: { onRenewed: (codes: string[]) => void; onDisabled: () => void }) {
  return (
    <>
      <details className={styles.disclosure}>
        <summary>Get new recovery codes</summary>
        <CodeAction
          id="renew-codes-code"
          label="Code from your authenticator app"
          hint="Your current recovery codes stop working."
          submitLabel="Get new recovery codes"
          busyLabel="Making codes…"
          accepts="code"
          send={(code) => callWithSession("/api/auth/mfa/recovery-codes/", { method: "POST", body: { code } })}
          onDone={onRenewed}
        />
      </details>
      <details className={styles.disclosure}>
        <summary>Turn off two-step verification</summary>
        <CodeAction
          id="disable-totp-code"
          label="Code from your app, or a recovery code"
          hint="Signing in will ask for your password only."
          submitLabel="Turn off"
          busyLabel="Turning off…"
          accepts="either"
          danger
          send={(code) => callWithSession("/api/auth/mfa/totp/", { method: "DELETE", body: { code } })}
          onDone={() => onDisabled()}
        />
      </details>
    </>
  );
}
