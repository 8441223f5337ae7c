"use client";

import { useRef, useState, type FormEvent } from "react";
import { useAppInfo } from "@/app/_components/app-info";
import { Field } from "@/app/_components/field";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { useRecentSignIn } from "@/app/_components/use-recent-sign-in";
import { problemMessage, type ApiResult } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { DeleteAccountSchema } from "@/lib/validation";
import styles from "./profile.module.css";

/**
 * "Your data": download everything stored about the account (GET /api/auth/me/export/),
 * and delete the account (DELETE /api/auth/me/), confirmed by typing its address, with a
 * recent sign-in. Self-contained: the profile passes who the account is.
 */
export function AccountDataSection({ id, email }: { id: number; email: string }) {
  return (
    <section aria-labelledby="account-data-heading" className={styles.section}>
      <h2 id="account-data-heading">Your data</h2>
      <DownloadData id={id} />
      <DeleteAccount email={email} />
    </section>
  );
}

function DownloadData({ id }: { id: number }) {
  const { name: appName } = useAppInfo();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function download() {
    setBusy(true);
    setProblem(null);
    const result = await callWithSession<Record<string, unknown>>("/api/auth/me/export/");
    setBusy(false);
    if (!result.ok) return setProblem(problemMessage(result));
    // The same document the API sends as an attachment, saved from here: the access token
    // travels in a header, which a plain link to the API could not carry.
    const day = typeof result.data.exported_at === "string" ? result.data.exported_at.slice(0, 10) : "export";
    const url = URL.createObjectURL(new Blob([JSON.stringify(result.data, null, 2)], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `gatehouse-account-${id}-${day}.json`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  return (
    <div className="stack">
      <p className="muted">
        Everything {appName} stores about your account, in one JSON file: your details, sign-in methods, sessions and activity.
        Passwords, codes and keys are never in it.
      </p>
      <MessageNotice tone="error" text={problem} />
      <button type="button" className="button button-secondary" onClick={() => void download()} disabled={busy}>
        {busy ? "Preparing your file…" : "Download my data"}
      </button>
    </div>
  );
}

const FIELDS = ["confirm"] as const;
const CANCELLED = -1;
const cancelled: ApiResult<never> = { ok: false, status: CANCELLED, data: {}, retryAfter: null };

function DeleteAccount({ email }: { email: string }) {
  const { name: appName } = useAppInfo();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState("");
  const form = useApiForm(FIELDS);
  const recent = useRecentSignIn("delete your account");
  const heading = useRef<HTMLHeadingElement>(null);

  function start() {
    setOpen(true);
    // The panel's heading takes the focus, so a screen reader reads what is at stake first.
    setTimeout(() => heading.current?.focus(), 0);
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void form.submit({
      parsed: DeleteAccountSchema.safeParse({ confirm: value }),
      send: async (data) => (await recent.send(() => callWithSession("/api/auth/me/", { method: "DELETE", body: data }))) ?? cancelled,
      // The account is gone and its cookie deleted: a fresh page load finds no session.
      onSuccess: () => window.location.replace("/account-deleted/"),
      keepBusy: true,
      explain: (failure) => (failure.status === CANCELLED ? null : problemMessage(failure)),
    });
  }

  if (!open) {
    return (
      <div className={`stack ${styles.dangerZone}`}>
        <p className="muted">Deleting your account erases it and everything in it at once. It cannot be undone.</p>
        <button type="button" className="button button-danger" onClick={start}>
          Delete my account…
        </button>
      </div>
    );
  }

  return (
    <div className={`${styles.panel} ${styles.dangerZone}`}>
      <h3 className={styles.panelHeading} id="delete-account-heading" tabIndex={-1} ref={heading}>
        Delete your account?
      </h3>
      <p>
        Your account, its sign-in methods, sessions, two-step verification, passkeys and activity are erased for good. Apps you signed
        in to with {appName} lose access. We send a last email to {email}.
      </p>
      {recent.prompt}
      <MessageNotice tone="error" text={form.problem} />
      <form onSubmit={submit} noValidate aria-labelledby="delete-account-heading" className={styles.form}>
        <Field
          id="delete-confirm"
          label="Type your email address to confirm"
          type="email"
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          errors={form.errors.confirm}
          inputRef={form.refFor("confirm")}
        />
        <div className="row">
          <button type="submit" className="button button-danger-solid" disabled={form.busy}>
            {form.busy ? "Deleting…" : "Delete my account"}
          </button>
          <button type="button" className="button button-secondary" onClick={() => setOpen(false)} disabled={form.busy}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
