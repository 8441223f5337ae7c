"use client";

import { reloadAccount } from "@/lib/client/account";
import { AccountDataSection } from "./account-data-section";
import { EmailChangeSection } from "./email-change-section";
import { EmailStatus } from "./email-status";
import { useProfile } from "./profile-shell";
import { UsernameSection } from "./username-section";
import styles from "./profile.module.css";
import { EmailAddress } from "@/app/_components/email-address";

/**
 * /profile/: who the account is, and its own lifecycle: a new username, a new address
 * (confirmed by a link to it), the account's data to download, the account to delete.
 * The other sections are in the navigation beside it.
 */
export function AccountSection() {
  const profile = useProfile();
  return (
    <div className="stack">
      <h1>Your account</h1>
      <dl className={styles.details}>
        <dt>Username</dt>
        <dd>{profile.username}</dd>
        <dt>Email</dt>
        <dd>
          <span className={styles.email}><EmailAddress value={profile.email} /></span>{" "}
          {profile.email_verified ? (
            <span className="badge badge-success">Verified</span>
          ) : (
            <span className="badge badge-warning">Not verified</span>
          )}
        </dd>
      </dl>
      {profile.email_verified ? null : <EmailStatus email={profile.email} />}
      {/* A new name shows at once here and in the header's account menu. */}
      <UsernameSection username={profile.username} onChanged={() => void reloadAccount()} />
      <EmailChangeSection email={profile.email} />
      <AccountDataSection id={profile.id} email={profile.email} />
    </div>
  );
}
