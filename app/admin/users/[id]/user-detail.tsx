"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Field } from "@/app/_components/field";
import { Loading, MessageNotice, RetryNotice } from "@/app/_components/status";
import { useRecentSignIn } from "@/app/_components/use-recent-sign-in";
import { ActivityList } from "@/app/profile/activity-list";
import { ItemMeta } from "@/app/profile/item-meta";
import { describeDevice, formatDateTime, formatLastActive } from "@/app/profile/session-details";
import type { AdminUserDetail } from "@/lib/client/admin";
import { fieldErrorsOf, problemMessage, type ApiResult } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { PROVIDER_LABELS, isSocialProvider } from "@/lib/social";
import { ADMIN_REASON_MAX_LENGTH } from "@/lib/validation";
import styles from "../../admin.module.css";
import { EmailAddress } from "@/app/_components/email-address";

type Load = { state: "loading" } | { state: "ready"; user: AdminUserDetail } | { state: "missing" } | { state: "failed"; message: string } | { state: "deleted"; email: string };
type Message = { tone: "success" | "info" | "error"; text: string };

/** An action of the page: what it says before it runs, where it is sent, and what it says after. */
type Action = {
  key: string;
  label: string;
  /** What it does, under its button. */
  summary: string;
  /** The confirmation panel's question and consequences. */
  question: string;
  consequences: string;
  confirm: string;
  method: "POST" | "DELETE";
  path: string;
  body?: Record<string, unknown>;
  reason: "required" | "optional";
  /** Said once it is done. */
  done: string;
  danger: boolean;
};

function actionsFor(user: AdminUserDetail): Action[] {
  const base = `/api/admin/users/${user.id}`;
  const name = user.username;
  const list: Action[] = [];
  if (user.disabled) {
    list.push({
      key: "enable", label: "Enable the account", summary: "Let it sign in again. Its old sessions stay signed out.", question: `Enable ${name}?`,
      consequences: `${name} can sign in again by every method the account has.`, confirm: "Enable", method: "POST", path: `${base}/enable/`, reason: "optional",
      done: `${name} can sign in again.`, danger: false,
    });
  } else {
    list.push({
      key: "disable", label: "Disable the account…", summary: "No sign-in by any method; every session ends at once.", question: `Disable ${name}?`,
      consequences: `Every session of ${name} ends now, and no password, provider, passkey or refresh gets in until the account is enabled again. The reason is kept in the audit; ${name} is not shown it.`,
      confirm: "Disable the account", method: "POST", path: `${base}/disable/`, reason: "required", done: `${name} is disabled and signed out everywhere.`, danger: true,
    });
  }
  list.push({
    key: "sessions", label: "Sign out everywhere…", summary: "End every session; the account can sign in again.", question: `Sign out every session of ${name}?`,
    consequences: `Every device signed in as ${name} is signed out now.`, confirm: "Sign out everywhere", method: "POST", path: `${base}/sessions/revoke/`, reason: "optional",
    done: `Every session of ${name} ended.`, danger: true,
  });
  if (user.totp || user.passkeys > 0) {
    list.push({
      key: "reset", label: "Reset two-step verification…", summary: "For a lost phone or key: removes the authenticator app, recovery codes and passkeys.",
      question: `Reset the two-step verification of ${name}?`,
      consequences: `The authenticator app, the recovery codes and ${user.passkeys} passkey${user.passkeys === 1 ? "" : "s"} of ${name} are removed, every session ends, and ${name} is told by email. Do this only once you are sure who asked.`,
      confirm: "Reset two-step verification", method: "POST", path: `${base}/second-factor/reset/`, reason: "optional", done: `Two-step verification of ${name} reset; ${name} was emailed.`, danger: true,
    });
  }
  if (!user.email_verified) {
    list.push({
      key: "resend", label: "Send a new verification link…", summary: "A new link to confirm the address.", question: `Send ${user.email} a new verification link?`,
      consequences: "The address gets a new link (within its hourly limit of emails).", confirm: "Send the link", method: "POST", path: `${base}/verify-email/resend/`, reason: "optional",
      done: `A new link is on its way to ${user.email}.`, danger: false,
    });
  }
  list.push(
    user.is_admin
      ? {
          key: "demote", label: "Remove the administrator role…", summary: "It can no longer use these pages.", question: `Remove the administrator role of ${name}?`,
          consequences: `${name} can no longer use the administration. The last administrator who can act cannot be removed.`, confirm: "Remove the role", method: "POST",
          path: `${base}/role/`, body: { role: "user" }, reason: "optional", done: `${name} is no longer an administrator.`, danger: true,
        }
      : {
          key: "promote", label: "Make administrator…", summary: "It can use these pages, with a second factor.", question: `Make ${name} an administrator?`,
          consequences: `${name} can then see every account and do everything on this page, once signed in with a second factor.`, confirm: "Make administrator", method: "POST",
          path: `${base}/role/`, body: { role: "admin" }, reason: "optional", done: `${name} is an administrator.`, danger: false,
        },
  );
  list.push({
    key: "delete", label: "Delete the account…", summary: "Erase it and everything in it. It cannot be undone.", question: `Delete ${name} for good?`,
    consequences: `The account ${user.email}, its sign-in methods, sessions, two-step verification, passkeys and activity are erased now; ${name} gets a last email. The audit keeps that you did it.`,
    confirm: "Delete the account", method: "DELETE", path: `${base}/`, reason: "optional", done: `${name} was deleted.`, danger: true,
  });
  return list;
}

/** /admin/users/<id>/: the account's details, sessions and activity, and the actions, each confirmed first. */
export function UserDetail({ id }: { id: number }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [message, setMessage] = useState<Message | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const reload = useCallback(async () => {
    const result = await callWithSession<AdminUserDetail>(`/api/admin/users/${id}/`);
    if (result.ok) setLoad({ state: "ready", user: result.data });
    else if (result.status === 404) setLoad({ state: "missing" });
    else if (result.status !== 401) setLoad({ state: "failed", message: problemMessage(result) });
  }, [id]);

  useEffect(() => {
    void reload();
  }, [reload]);

  if (load.state === "loading") return <Loading>Loading the account…</Loading>;
  if (load.state === "failed") return <RetryNotice onRetry={() => void reload()}>We could not load the account. {load.message}</RetryNotice>;
  if (load.state === "missing" || load.state === "deleted") {
    return (
      <div className="stack">
        <h1 tabIndex={-1} ref={heading}>
          {load.state === "deleted" ? "Account deleted" : "No such account"}
        </h1>
        <p>{load.state === "deleted" ? `${load.email} was erased. The audit keeps the record.` : "There is no account with this id. It may have been deleted."}</p>
        <Link href="/admin/">Back to the accounts</Link>
      </div>
    );
  }
  const { user } = load;

  return (
    <div className="stack">
      <p>
        <Link href="/admin/">← All accounts</Link>
      </p>
      <h1 tabIndex={-1} ref={heading} className={styles.title}>
        {user.username}
      </h1>
      {message ? <MessageNotice {...message} /> : null}
      <Details user={user} />
      <Actions
        user={user}
        onDone={async (action, text) => {
          setMessage({ tone: "success", text });
          if (action.key === "delete") setLoad({ state: "deleted", email: user.email });
          else await reload();
          heading.current?.focus();
        }}
      />
      <Sessions user={user} />
      <Activity user={user} />
    </div>
  );
}

function Details({ user }: { user: AdminUserDetail }) {
  const providers = user.providers.map((p) => (isSocialProvider(p) ? PROVIDER_LABELS[p] : p));
  return (
    <dl className={styles.details}>
      <dt>Email</dt>
      <dd>
        <EmailAddress value={user.email} /> {user.email_verified ? <span className="badge badge-success">Verified</span> : <span className="badge badge-warning">Not verified</span>}
      </dd>
      <dt>Status</dt>
      <dd>{user.disabled ? <span className="badge badge-warning">Disabled</span> : "Active"}</dd>
      <dt>Role</dt>
      <dd>{user.is_admin ? "Administrator" : "User"}</dd>
      <dt>Joined</dt>
      <dd>
        <time dateTime={user.created_at}>{formatDateTime(user.created_at)}</time>
      </dd>
      <dt>Last sign-in</dt>
      <dd>{user.last_login_at ? <time dateTime={user.last_login_at}>{formatDateTime(user.last_login_at)}</time> : "Never"}</dd>
      <dt>Two-step verification</dt>
      <dd>{user.totp ? "On (authenticator app)" : "Off"}</dd>
      <dt>Passkeys</dt>
      <dd>{user.passkeys}</dd>
      <dt>Linked providers</dt>
      <dd>{providers.length ? providers.join(", ") : "None"}</dd>
    </dl>
  );
}

function Actions({ user, onDone }: { user: AdminUserDetail; onDone: (action: Action, text: string) => Promise<void> }) {
  const [open, setOpen] = useState<Action | null>(null);
  const actions = actionsFor(user);
  return (
    <section aria-labelledby="actions-heading" className={styles.section}>
      <h2 id="actions-heading">Actions</h2>
      {open ? (
        <ConfirmAction
          key={open.key}
          action={open}
          onCancel={() => setOpen(null)}
          onDone={async (text) => {
            setOpen(null);
            await onDone(open, text);
          }}
        />
      ) : (
        <ul className={styles.actions}>
          {actions.map((action) => (
            <li key={action.key} className={styles.action}>
              <button type="button" className={`button button-small ${action.danger ? "button-danger" : "button-secondary"}`} onClick={() => setOpen(action)} aria-describedby={`action-${action.key}`}>
                {action.label}
              </button>
              <p className={styles.actionText} id={`action-${action.key}`}>
                {action.summary}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const CANCELLED = -1;
const cancelled: ApiResult<never> = { ok: false, status: CANCELLED, data: {}, retryAfter: null };

/** The confirmation of one action: what it does, a reason for the audit, then the press that does it. */
function ConfirmAction({ action, onCancel, onDone }: { action: Action; onCancel: () => void; onDone: (text: string) => Promise<void> }) {
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<string[] | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const recent = useRecentSignIn("act on this account", { secondFactor: true });

  useEffect(() => heading.current?.focus(), []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setProblem(null);
    // Said as every empty field is (the API's words too); the label says the audit keeps it.
    if (action.reason === "required" && !reason.trim()) return setErrors(["This field is required."]);
    setErrors(undefined);
    setBusy(true);
    const body = { ...action.body, ...(reason.trim() ? { reason: reason.trim() } : {}) };
    const result = (await recent.send(() => callWithSession(action.path, { method: action.method, body }))) ?? cancelled;
    setBusy(false);
    if (result.ok) return onDone(action.done);
    if (result.status === CANCELLED) return;
    const fields = fieldErrorsOf(result.data, ["reason"] as const);
    if (fields.reason) return setErrors(fields.reason);
    setProblem(result.data.code === "last_admin" ? "This is the last administrator who can act: make someone else an administrator first." : problemMessage(result));
  }

  return (
    <div className={styles.panel}>
      <h3 className={styles.panelHeading} id="confirm-heading" tabIndex={-1} ref={heading}>
        {action.question}
      </h3>
      <p>{action.consequences}</p>
      {recent.prompt}
      <MessageNotice tone="error" text={problem} />
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="confirm-heading" className={styles.form}>
        <Field
          id="action-reason"
          label={action.reason === "required" ? "Reason (kept in the audit)" : "Reason (optional, kept in the audit)"}
          maxLength={ADMIN_REASON_MAX_LENGTH}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          errors={errors}
        />
        <div className="row">
          <button type="submit" className={`button ${action.danger ? "button-danger-solid" : ""}`} disabled={busy}>
            {busy ? "Working…" : action.confirm}
          </button>
          <button type="button" className="button button-secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

function Sessions({ user }: { user: AdminUserDetail }) {
  return (
    <section aria-labelledby="sessions-heading" className={styles.section}>
      <h2 id="sessions-heading">Sessions</h2>
      {user.sessions.length === 0 ? (
        <p className="muted">No active sessions.</p>
      ) : (
        <ul className={styles.list}>
          {user.sessions.map((s) => (
            <li key={s.id} className={styles.item}>
              <div className={styles.itemText}>
                <p className={styles.itemName}>
                  <span title={s.user_agent ?? undefined}>{describeDevice(s.user_agent)}</span>
                  {s.current ? <span className="badge badge-success">Your session</span> : null}
                </p>
                <ItemMeta
                  parts={[
                    s.ip,
                    <span key="created" className={styles.phrase}>
                      Signed in <time dateTime={s.created_at}>{formatDateTime(s.created_at)}</time>
                    </span>,
                    <span key="used" className={styles.phrase}>
                      Last active{" "}
                      <time dateTime={s.last_used_at} title={formatDateTime(s.last_used_at)}>
                        {formatLastActive(s.last_used_at)}
                      </time>
                    </span>,
                  ]}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Activity({ user }: { user: AdminUserDetail }) {
  return (
    <section aria-labelledby="activity-heading" className={styles.section}>
      <h2 id="activity-heading">Recent security activity</h2>
      <p className="muted">The last 50 events, in the words its owner reads them on their profile.</p>
      {user.activity.length === 0 ? (
        <p className="muted">Nothing yet.</p>
      ) : (
        <ActivityList events={user.activity} label="Security events, newest first" />
      )}
    </section>
  );
}
