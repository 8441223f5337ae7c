"use client";

import { browserSupportsWebAuthn, startRegistration, type PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/browser";
import { useEffect, useState, type FormEvent } from "react";
import { Field } from "@/app/_components/field";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useFieldErrors } from "@/app/_components/use-field-errors";
import { fieldErrorsOf, problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { PasskeyNameSchema } from "@/lib/validation";
import { needsReauthentication, Reauthenticate } from "./reauthenticate";
import type { MfaStatus, PasskeySummary } from "@/lib/api-schemas";
import { ItemMeta } from "./item-meta";
import { formatDateTime, formatLastActive } from "./session-details";
import styles from "./profile.module.css";

type Message = { tone: "success" | "info" | "error"; text: string };

/** "Passkeys": add one with a name (the browser asks the device), list them, remove any. */
export function PasskeysSection({ status, onChange }: { status: MfaStatus; onChange: () => void }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [reauth, setReauth] = useState(false);
  const [supported, setSupported] = useState(true);
  const { errors, show, refFor } = useFieldErrors(["name"] as const);

  useEffect(() => setSupported(browserSupportsWebAuthn()), []);

  async function add() {
    setBusy("add");
    setMessage(null);
    const options = await callWithSession<PublicKeyCredentialCreationOptionsJSON>("/api/auth/passkeys/register/options/", { method: "POST" });
    if (!options.ok) {
      setBusy(null);
      if (needsReauthentication(options)) setReauth(true);
      else setMessage({ tone: "error", text: problemMessage(options) });
      return;
    }
    let response;
    try {
      response = await startRegistration({ optionsJSON: options.data });
    } catch (error) {
      setBusy(null);
      // Cancelled at the device prompt, or a passkey this device already holds.
      const known = error instanceof Error && error.name === "InvalidStateError";
      setMessage({ tone: "info", text: known ? "This device already holds a passkey for your account." : "No passkey was added." });
      return;
    }
    const result = await callWithSession("/api/auth/passkeys/register/", { method: "POST", body: { name: name.trim(), response } });
    setBusy(null);
    if (!result.ok) {
      const fieldErrors = fieldErrorsOf(result.data, ["name"] as const);
      if (Object.keys(fieldErrors).length) return show(fieldErrors);
      if (needsReauthentication(result)) return setReauth(true);
      return setMessage({ tone: "error", text: problemMessage(result) });
    }
    setName("");
    setMessage({ tone: "success", text: `Passkey “${name.trim()}” added.` });
    onChange();
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = PasskeyNameSchema.safeParse(name);
    if (!parsed.success) return show({ name: parsed.error.issues.map((i) => i.message) });
    show({});
    void add();
  }

  async function remove(passkey: PasskeySummary) {
    setBusy(passkey.id);
    setMessage(null);
    const result = await callWithSession(`/api/auth/passkeys/${encodeURIComponent(passkey.id)}/`, { method: "DELETE" });
    setBusy(null);
    if (result.ok) setMessage({ tone: "success", text: `Passkey “${passkey.name}” removed.` });
    else if (result.status === 404) setMessage({ tone: "info", text: "That passkey was already removed." });
    else setMessage({ tone: "error", text: problemMessage(result) });
    onChange();
  }

  return (
    <section aria-labelledby="passkeys-heading" className={styles.section}>
      <h2 id="passkeys-heading">Passkeys</h2>
      <p className="muted">Sign in with your fingerprint, face or device PIN instead of a password and code.</p>
      {message ? <MessageNotice {...message} /> : null}
      {status.passkeys.length ? (
        <ul className={styles.list}>
          {status.passkeys.map((passkey) => (
            <li key={passkey.id} className={styles.item}>
              <div className={styles.itemText}>
                <p className={styles.itemName}>{passkey.name}</p>
                <ItemMeta
                  id={`passkey-${passkey.id}-meta`}
                  parts={[
                    <span key="added" className={styles.phrase}>
                      Added <time dateTime={passkey.created_at}>{formatDateTime(passkey.created_at)}</time>
                    </span>,
                    <span key="used" className={styles.phrase}>
                      {passkey.last_used_at ? `Last used ${formatLastActive(passkey.last_used_at)}` : "Never used"}
                    </span>,
                  ]}
                />
              </div>
              <button
                type="button"
                className="button button-secondary button-small"
                aria-describedby={`passkey-${passkey.id}-meta`}
                onClick={() => void remove(passkey)}
                disabled={busy !== null}
              >
                {busy === passkey.id ? "Removing…" : "Remove"}
                <span className="visually-hidden"> passkey {passkey.name}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No passkeys yet.</p>
      )}
      {reauth ? (
        <Reauthenticate
          purpose="add a passkey"
          hasPassword={status.password}
          hasTotp={status.totp}
          hasPasskey={status.passkeys.length > 0}
          onConfirmed={() => {
            setReauth(false);
            void add();
          }}
          onCancel={() => setReauth(false)}
        />
      ) : supported ? (
        <form onSubmit={submit} noValidate aria-label="Add a passkey" className={styles.form}>
          <Field
            id="passkey-name"
            label="Name for the new passkey"
            hint="So you can tell your passkeys apart, like “Work laptop”."
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            errors={errors.name}
            inputRef={refFor("name")}
          />
          <SubmitButton busy={busy === "add"} busyLabel="Waiting for your device…" block={false} secondary>
            Add a passkey
          </SubmitButton>
        </form>
      ) : (
        <p className="muted">This browser cannot create passkeys.</p>
      )}
    </section>
  );
}
