"use client";

import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Field } from "@/app/_components/field";
import { MessageNotice, SubmitButton } from "@/app/_components/status";
import { useApiForm } from "@/app/_components/use-api-form";
import { useRecentSignIn } from "@/app/_components/use-recent-sign-in";
import { problemMessage, type ApiResult } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { EmailChangeSchema, EMAIL_MAX_LENGTH, normalizeEmail } from "@/lib/validation";
import { formatDateTime } from "./session-details";
import styles from "./profile.module.css";

const FIELDS = ["email"] as const;
type Pending = { email: string; expires_at: string } | null;

/**
 * "Change email address" (POST /api/auth/email/change/): a link goes to the new address,
 * and nothing changes until it is used; the change waiting for it is shown, and can be
 * withdrawn. Needs a recent sign-in, asked for in place.
 */
export function EmailChangeSection({ email }: { email: string }) {
  const [pending, setPending] = useState<Pending>(null);
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<{ tone: "success" | "info" | "error"; text: string } | null>(null);
  const [withdrawing, setWithdrawing] = useState(false);
  const form = useApiForm(FIELDS);
  const recent = useRecentSignIn("change your email address");

  const reload = useCallback(async () => {
    const result = await callWithSession<{ pending?: Pending }>("/api/auth/email/change/");
    if (result.ok) setPending(result.data.pending ?? null);
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setMessage(null);
    const parsed = EmailChangeSchema.safeParse({ email: value });
    if (parsed.success && normalizeEmail(parsed.data.email).toLowerCase() === email.toLowerCase()) {
      return setMessage({ tone: "info", text: "That is the address your account has already." });
    }
    void form.submit({
      parsed,
      send: async (data) => (await recent.send(() => callWithSession("/api/auth/email/change/", { method: "POST", body: data }))) ?? cancelled,
      onSuccess: (_body, data) => {
        setValue("");
        setMessage({ tone: "success", text: `If ${data.email} can be used, we sent a link to it. Your address stays ${email} until the link is used.` });
        void reload();
      },
      explain: (failure) => (failure.status === CANCELLED ? null : problemMessage(failure)),
    });
  }

  async function withdraw() {
    setWithdrawing(true);
    setMessage(null);
    const result = await callWithSession("/api/auth/email/change/", { method: "DELETE" });
    setWithdrawing(false);
    if (!result.ok) return setMessage({ tone: "error", text: problemMessage(result) });
    setMessage({ tone: "info", text: "The change is withdrawn: its link no longer works." });
    void reload();
  }

  return (
    <section aria-labelledby="email-change-heading" className={styles.section}>
      <h2 id="email-change-heading">Email address</h2>
      <p className="muted">To change your account&apos;s address, enter the new one: we send it a link, and tell the current address too.</p>
      {message ? <MessageNotice {...message} /> : null}
      {pending ? (
        <div className="alert alert-info" role="status">
          <p>
            Waiting for confirmation: a link was sent to <strong className={styles.address}>{pending.email}</strong>. It works until{" "}
            <time dateTime={pending.expires_at}>{formatDateTime(pending.expires_at)}</time>.
          </p>
          <button type="button" className="button button-secondary button-small" onClick={() => void withdraw()} disabled={withdrawing}>
            {withdrawing ? "Withdrawing…" : "Withdraw this change"}
          </button>
        </div>
      ) : null}
      {recent.prompt}
      <MessageNotice tone="error" text={form.problem} />
      <form onSubmit={submit} noValidate className={styles.form} aria-label="Change email address">
        <Field
          id="new-email"
          label="New email address"
          type="email"
          autoComplete="email"
          maxLength={EMAIL_MAX_LENGTH}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          errors={form.errors.email}
          inputRef={form.refFor("email")}
        />
        <SubmitButton busy={form.busy} busyLabel="Sending…" block={false} secondary>
          Send confirmation link
        </SubmitButton>
      </form>
    </section>
  );
}

/** The person cancelled "Confirm it is you": no request was made, nothing to say. */
const CANCELLED = -1;
const cancelled: ApiResult<never> = { ok: false, status: CANCELLED, data: {}, retryAfter: null };
