"use client";

import Link from "next/link";
import { EmailStatus } from "./email-status";
import { useProfile } from "./profile-shell";
import styles from "./profile.module.css";

/** /profile/: who the account is, and the way to the other sections. */
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
      <ul className={styles.shortcuts}>
        <li>
          <Link href="/profile/security/">Sign-in and security</Link>
          <span className="muted">Password, two-step verification, passkeys{profile.providers.length ? ", linked accounts" : ""}</span>
        </li>
        <li>
          <Link href="/profile/sessions/">Sessions</Link>
          <span className="muted">The devices signed in to your account</span>
        </li>
        <li>
          <Link href="/profile/activity/">Security activity</Link>
          <span className="muted">Recent sign-ins and changes</span>
        </li>
      </ul>
    </div>
  );
}
