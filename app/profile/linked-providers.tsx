"use client";

import { useState } from "react";
import { MessageNotice } from "@/app/_components/status";
import { problemMessage } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";
import { PROVIDER_LABELS, SOCIAL_PROVIDERS, type SocialProvider } from "@/lib/social";
import styles from "./profile.module.css";

type Message = { tone: "success" | "error"; text: string };

/**
 * Each provider this server offers, linked or not; plus any linked one the server no
 * longer offers, so the list never hides an account that can still sign in. An account
 * whose address is not verified cannot link one (docs/security.md, account ownership),
 * so it gets the reason instead of a button that would only come back with an error.
 */
export function LinkedProviders(props: {
  enabled: SocialProvider[];
  linked: string[];
  emailVerified: boolean;
  onChange: () => Promise<void>;
}) {
  const [busy, setBusy] = useState<SocialProvider | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const shown = SOCIAL_PROVIDERS.filter((p) => props.enabled.includes(p) || props.linked.includes(p));
  // What a verified address would let this account link: offered here, not linked yet.
  const linkable = shown.filter((p) => props.enabled.includes(p) && !props.linked.includes(p));

  async function unlink(provider: SocialProvider) {
    setBusy(provider);
    setMessage(null);
    const result = await callWithSession(`/api/auth/social/${provider}/`, { method: "DELETE" });
    if (result.ok) await props.onChange();
    setBusy(null);
    setMessage(
      result.ok
        ? { tone: "success", text: `${PROVIDER_LABELS[provider]} is no longer linked to your account.` }
        : { tone: "error", text: problemMessage(result) },
    );
  }

  return (
    <section aria-labelledby="providers-heading" className={styles.section}>
      <h2 id="providers-heading">Linked accounts</h2>
      {message ? <MessageNotice {...message} /> : null}
      <p className="muted">Accounts elsewhere that can sign you in here.</p>
      {linkable.length > 0 && !props.emailVerified ? (
        <p id="providers-need-verification">
          Confirm your email address first (use the link we emailed you): then you can link {linkable.map((p) => PROVIDER_LABELS[p]).join(" or ")}.
        </p>
      ) : null}
      {shown.length === 0 ? null : (
        <ul className={styles.providers}>
          {shown.map((provider) => {
            const label = PROVIDER_LABELS[provider];
            const linked = props.linked.includes(provider);
            return (
              <li key={provider} className={styles.provider}>
                <span className={styles.providerName}>{label}</span>
                {linked ? <span className="badge badge-success">Linked</span> : <span className="badge badge-neutral">Not linked</span>}
                <span className={styles.providerAction}>
                  {!props.enabled.includes(provider) ? (
                    <span className="muted">No longer offered for sign-in</span>
                  ) : linked ? (
                    <button
                      type="button"
                      className="button button-danger button-small"
                      onClick={() => void unlink(provider)}
                      disabled={busy !== null}
                    >
                      {busy === provider ? "Unlinking…" : "Unlink"}
                      <span className="visually-hidden"> {label}</span>
                    </button>
                  ) : !props.emailVerified ? null : (
                    // A plain link: the API redirects to the provider and back here.
                    <a className="button button-secondary button-small" href={`/api/auth/social/${provider}/?intent=link&next=${encodeURIComponent("/profile/security/")}`}>
                      Link<span className="visually-hidden"> {label}</span>
                    </a>
                  )}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
