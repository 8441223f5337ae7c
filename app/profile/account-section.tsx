"use client";

import { EmailStatus } from "./email-status";
import { useProfile } from "./profile-shell";
import styles from "./profile.module.css";

/** /profile/: who the account is. The other sections are in the navigation beside it. */
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
          <span className={styles.email}>{profile.email}</span>{" "}
          {profile.email_verified ? (
            <span className="badge badge-success">Verified</span>
          ) : (
            <span className="badge badge-warning">Not verified</span>
          )}
        </dd>
      </dl>
      {profile.email_verified ? null : <EmailStatus email={profile.email} />}
    </div>
  );
}
