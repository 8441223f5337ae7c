import { ADMIN_ACTIONS, SECURITY_EVENT_TYPES, USER_ROLES } from "./security-event-types";
import type { Kit } from "./kit";

// Every table, written once (docs/decisions/031): db/schema.ts is this with SQLite's kit,
// which lib/ queries on either database, and db/schema-pg.ts with PostgreSQL's, which
// drizzle-kit reads for db/migrations-pg. db/kit.ts says how each kind of column is
// spelled on each.

export function defineTables(kit: Kit) {
  const users = kit.table(
    "users",
    {
      id: kit.id(),
      username: kit.text("username").notNull(),
      email: kit.text("email").notNull(),
      // Case-folded copies that carry the uniqueness: SQLite's lower() folds ASCII only, and
      // usernames may be letters of any script (see lib/auth/user.ts identityKey).
      usernameKey: kit.text("username_key").notNull(),
      emailKey: kit.text("email_key").notNull(),
      // Null for accounts that only sign in through a provider.
      passwordHash: kit.text("password_hash"),
      emailVerified: kit.boolean("email_verified").notNull().default(false),
      // Moves on at every credential change (lib/auth/credentials.ts): a sign-in, an
      // mfa_token or a password change that proved an older value cannot finish.
      credentialsVersion: kit.integer("credentials_version").notNull().default(0),
      lastLoginAt: kit.timestamp("last_login_at"),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      updatedAt: kit.timestamp("updated_at").notNull().default(kit.now),
      // Set while the account may not sign in (an inactive user moved in from Django, or
      // disabled by an administrator: lib/admin/actions.ts): completeSignIn refuses it
      // (lib/auth/sign-in.ts), and so does every access token (lib/auth/session.ts).
      disabledAt: kit.timestamp("disabled_at"),
      // `admin` may use /api/admin/ (with a second factor): granted from the shell, `npm run
      // admin -- grant EMAIL` (lib/admin/roles.ts), or by another administrator, never by signing up.
      role: kit.text("role", { enum: USER_ROLES }).notNull().default("user"),
    },
    (t) => [
      // Unique without regard to case (docs/api.md, register).
      kit.uniqueIndex("users_username_key_unique").on(t.usernameKey),
      kit.uniqueIndex("users_email_key_unique").on(t.emailKey),
    ],
  );

  const socialAccounts = kit.table(
    "social_accounts",
    {
      id: kit.id(),
      userId: kit.integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      provider: kit.text("provider", { enum: ["google", "github"] }).notNull(),
      providerUserId: kit.text("provider_user_id").notNull(),
      email: kit.text("email"),
      profile: kit.json<Record<string, unknown>>("profile").notNull().default({}),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
    },
    (t) => [
      kit.uniqueIndex("social_accounts_provider_user_unique").on(t.provider, t.providerUserId),
      // One account per provider per user: linking a second GitHub account is refused.
      kit.uniqueIndex("social_accounts_user_provider_unique").on(t.userId, t.provider),
    ],
  );

  /**
   * A single-use token sent by email (verification, password reset): only its SHA-256 is
   * stored (docs/security.md, sessions and tokens), with its expiry and the moment it was used
   * or superseded.
   */
  const emailedTokenTable = <N extends string>(name: N) =>
    kit.table(
      name,
      {
        id: kit.id(),
        userId: kit.integer("user_id")
          .notNull()
          .references(() => users.id, { onDelete: "cascade" }),
        tokenHash: kit.text("token_hash").notNull().unique(),
        createdAt: kit.timestamp("created_at").notNull().default(kit.now),
        expiresAt: kit.timestamp("expires_at").notNull(),
        usedAt: kit.timestamp("used_at"),
      },
      (t) => [kit.index(`${name}_user_idx`).on(t.userId)],
    );

  const emailVerificationTokens = emailedTokenTable("email_verification_tokens");
  const passwordResetTokens = emailedTokenTable("password_reset_tokens");

  const sessions = kit.table(
    "sessions",
    {
      // Random, public (it appears in /api/auth/sessions/<id>/), never a credential.
      id: kit.text("id").primaryKey(),
      userId: kit.integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      lastUsedAt: kit.timestamp("last_used_at").notNull().default(kit.now),
      // SESSION_MAX_AGE after login, whatever the rotations.
      expiresAt: kit.timestamp("expires_at").notNull(),
      revokedAt: kit.timestamp("revoked_at"),
      userAgent: kit.text("user_agent"),
      ip: kit.text("ip"),
      // What proved the second factor at sign-in (a passkey is both): null for one factor.
      secondFactor: kit.text("second_factor", { enum: ["totp", "recovery_code", "passkey"] }),
    },
    (t) => [kit.index("sessions_user_idx").on(t.userId)],
  );

  const refreshTokens = kit.table(
    "refresh_tokens",
    {
      id: kit.id(),
      sessionId: kit.text("session_id")
        .notNull()
        .references(() => sessions.id, { onDelete: "cascade" }),
      tokenHash: kit.text("token_hash").notNull().unique(),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      expiresAt: kit.timestamp("expires_at").notNull(),
      // Set when the token is exchanged for its successor; a later presentation is reuse.
      rotatedAt: kit.timestamp("rotated_at"),
      replacedById: kit.integer("replaced_by_id"),
    },
    (t) => [kit.index("refresh_tokens_session_idx").on(t.sessionId)],
  );

  // The outbox and, in development, the mailbox shown at /dev/mail/. A message is written
  // in the same transaction as the change that causes it, so a crash cannot lose it.
  const emails = kit.table(
    "emails",
    {
      id: kit.id(),
      to: kit.text("to").notNull(),
      // mailboxKey(to): the per-address cap counts by it (case-folded, without a +tag).
      recipientKey: kit.text("recipient_key"),
      // Sent because someone asked (verification, reset, claim, registration notice), so it
      // counts toward RATE_LIMIT_EMAIL_PER_ADDRESS; notices of proven actions do not.
      capped: kit.boolean("capped").notNull().default(false),
      from: kit.text("from").notNull(),
      subject: kit.text("subject").notNull(),
      // Cleared once a message is delivered through Resend: links in it carry tokens.
      text: kit.text("text"),
      html: kit.text("html"),
      // Sent from the allowance an owner's known device keeps past a spent cap
      // (docs/decisions/025): at most one such message per address per hour.
      reserved: kit.boolean("reserved").notNull().default(false),
      // The goodbye of an erased account (lib/account/erasure.ts): once delivered (or given
      // up on), the row itself goes, so nothing of the account stays in the outbox.
      forgetAfterDelivery: kit.boolean("forget_after_delivery").notNull().default(false),
      status: kit.text("status", { enum: ["pending", "sending", "sent", "failed", "mailbox"] })
        .notNull()
        .default("pending"),
      attempts: kit.integer("attempts").notNull().default(0),
      // When a sender took it (status `sending`): another instance may take it back only
      // once that claim is older than a send can take (lib/email/send.ts SEND_LEASE_MS).
      claimedAt: kit.timestamp("claimed_at"),
      providerMessageId: kit.text("provider_message_id"),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      sentAt: kit.timestamp("sent_at"),
    },
    (t) => [kit.index("emails_status_idx").on(t.status), kit.index("emails_recipient_idx").on(t.recipientKey, t.createdAt)],
  );

  // rate-limiter-flexible's RateLimiterSQLite and RateLimiterPostgres table (the latter's own
  // DDL: a text key, a bigint expiry), created here so migrations own the schema.
  const rateLimits = kit.table("rate_limits", {
    key: kit.text("key").primaryKey(),
    points: kit.integer("points").notNull().default(0),
    expire: kit.bigInteger("expire"),
  });

  // Second factor, passkeys and security activity (docs/api.md; docs/decisions/018-020).

  /**
   * When the session's user last proved who they are after signing in (password or code
   * again): sensitive changes need a proof within REAUTH_MAX_AGE (lib/auth/reauth.ts). A
   * table of its own, one row per session, so the sessions table stays as it is.
   */
  const sessionReauthentications = kit.table("session_reauthentications", {
    sessionId: kit.text("session_id")
      .primaryKey()
      .references(() => sessions.id, { onDelete: "cascade" }),
    at: kit.timestamp("at").notNull(),
    // How: a password, or a second factor (a code, a passkey). With TOTP on only the latter counts.
    method: kit.text("method", { enum: ["password", "totp", "passkey"] }).notNull().default("password"),
  });

  /** One TOTP credential per user; unconfirmed until the first code proves the app holds it. */
  const totpCredentials = kit.table("totp_credentials", {
    userId: kit.integer("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    // AES-256-GCM with a key id (lib/auth/mfa/secret-box.ts); never the plain secret.
    encryptedSecret: kit.text("encrypted_secret").notNull(),
    createdAt: kit.timestamp("created_at").notNull().default(kit.now),
    confirmedAt: kit.timestamp("confirmed_at"),
    // The last RFC 6238 time step accepted: that step and every earlier one are spent.
    // About 5.9e7 today: a 32-bit integer is plenty.
    lastUsedStep: kit.integer("last_used_step"),
  });

  /** Ten per user at a time; only the SHA-256 of each (80 random bits) is stored. */
  const recoveryCodes = kit.table(
    "recovery_codes",
    {
      id: kit.id(),
      userId: kit.integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      codeHash: kit.text("code_hash").notNull(),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      usedAt: kit.timestamp("used_at"),
    },
    (t) => [kit.index("recovery_codes_user_idx").on(t.userId)],
  );

  /** The half-finished login of a user with a second factor: opaque, hashed, 5 minutes, single use. */
  const mfaTokens = kit.table(
    "mfa_tokens",
    {
      id: kit.id(),
      userId: kit.integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      tokenHash: kit.text("token_hash").notNull().unique(),
      // How the first step was proven (password, google, github): the login event names it.
      method: kit.text("method").notNull().default("password"),
      // users.credentials_version when the first step was proven: a credential change since spends it.
      credentialsVersion: kit.integer("credentials_version").notNull().default(0),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      expiresAt: kit.timestamp("expires_at").notNull(),
      usedAt: kit.timestamp("used_at"),
    },
    (t) => [kit.index("mfa_tokens_user_idx").on(t.userId)],
  );

  const passkeys = kit.table(
    "passkeys",
    {
      // Random and public (it appears in /api/auth/passkeys/<id>/), never the credential id.
      id: kit.text("id").primaryKey(),
      userId: kit.integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      // base64url, as the browser reports it.
      credentialId: kit.text("credential_id").notNull().unique(),
      publicKey: kit.text("public_key").notNull(),
      // The WebAuthn signature counter is an unsigned 32-bit value: past a 32-bit integer.
      counter: kit.bigInteger("counter").notNull().default(0),
      transports: kit.json<string[]>("transports").notNull().default([]),
      deviceType: kit.text("device_type", { enum: ["singleDevice", "multiDevice"] }).notNull(),
      backedUp: kit.boolean("backed_up").notNull().default(false),
      // The WebAuthn user handle (random, base64url), the same for every passkey of a user.
      userHandle: kit.text("user_handle").notNull(),
      name: kit.text("name").notNull(),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      lastUsedAt: kit.timestamp("last_used_at"),
    },
    (t) => [kit.index("passkeys_user_idx").on(t.userId)],
  );

  /** A WebAuthn challenge we issued: hashed, bound to its purpose (and user), 5 minutes, single use. */
  const webauthnChallenges = kit.table("webauthn_challenges", {
    id: kit.id(),
    challengeHash: kit.text("challenge_hash").notNull().unique(),
    purpose: kit.text("purpose", { enum: ["register", "login"] }).notNull(),
    // Null for a sign-in challenge: the passkey says whose it is.
    userId: kit.integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    // Registration: the user handle the options carried, which the new passkey keeps.
    userHandle: kit.text("user_handle"),
    expiresAt: kit.timestamp("expires_at").notNull(),
    usedAt: kit.timestamp("used_at"),
  });

  /** What happened to an account, for its owner (GET /api/auth/activity/); kept 90 days. */
  const securityEvents = kit.table(
    "security_events",
    {
      id: kit.id(),
      userId: kit.integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      type: kit.text("type", { enum: SECURITY_EVENT_TYPES }).notNull(),
      at: kit.timestamp("at").notNull().default(kit.now),
      ip: kit.text("ip"),
      userAgent: kit.text("user_agent"),
      detail: kit.json<Record<string, unknown>>("detail").notNull().default({}),
    },
    (t) => [kit.index("security_events_user_at_idx").on(t.userId, t.at), kit.index("security_events_at_idx").on(t.at)],
  );

  // The OpenID Connect provider (docs/oidc.md; docs/decisions/041). One table for every model
  // oidc-provider stores (sessions, interactions, grants, codes, tokens), as its adapter
  // interface sees them: a JSON payload under (model, id), with the columns its look-ups and
  // Gatehouse's revocations need. `consumed_at` is set by one conditional update, so a code
  // or refresh token is spent once even when two instances race (lib/oidc/adapter.ts).
  const oidcModels = kit.table(
    "oidc_models",
    {
      model: kit.text("model").notNull(),
      id: kit.text("id").notNull(),
      payload: kit.text("payload").notNull(),
      grantId: kit.text("grant_id"),
      uid: kit.text("uid"),
      userCode: kit.text("user_code"),
      // Whose it is and for which app: "Apps with access" and its revoke read these.
      accountId: kit.integer("account_id").references(() => users.id, { onDelete: "cascade" }),
      clientId: kit.text("client_id"),
      // The Gatehouse session (sessions.id) a provider session or grant came from: when that
      // session ends, so do they (lib/oidc/session-end.ts).
      sessionId: kit.text("session_id"),
      expiresAt: kit.timestamp("expires_at"),
      consumedAt: kit.timestamp("consumed_at"),
    },
    (t) => [
      kit.primaryKey({ columns: [t.model, t.id] }),
      kit.index("oidc_models_grant_idx").on(t.grantId),
      kit.index("oidc_models_uid_idx").on(t.uid),
      kit.index("oidc_models_user_code_idx").on(t.userCode),
      kit.index("oidc_models_account_client_idx").on(t.accountId, t.clientId),
      kit.index("oidc_models_session_idx").on(t.sessionId),
      kit.index("oidc_models_expires_idx").on(t.expiresAt),
    ],
  );

  /** A user's answer on the consent page, remembered per user, client and scopes. */
  const oidcConsents = kit.table(
    "oidc_consents",
    {
      userId: kit.integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      clientId: kit.text("client_id").notNull(),
      // Space-separated, as OAuth writes them.
      scopes: kit.text("scopes").notNull(),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      updatedAt: kit.timestamp("updated_at").notNull().default(kit.now),
    },
    (t) => [kit.primaryKey({ columns: [t.userId, t.clientId] })],
  );

  // The back-channel logout outbox (OpenID Back-Channel Logout 1.0): written in the
  // transaction that ends a session, delivered and retried like email (lib/oidc/backchannel.ts).
  const backchannelLogouts = kit.table(
    "backchannel_logouts",
    {
      id: kit.id(),
      clientId: kit.text("client_id").notNull(),
      // The logout token's sub and sid: the user id and the provider session's sid for that client.
      sub: kit.text("sub").notNull(),
      sid: kit.text("sid").notNull(),
      status: kit.text("status", { enum: ["pending", "sending", "sent", "failed"] })
        .notNull()
        .default("pending"),
      attempts: kit.integer("attempts").notNull().default(0),
      claimedAt: kit.timestamp("claimed_at"),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      sentAt: kit.timestamp("sent_at"),
    },
    (t) => [kit.uniqueIndex("backchannel_logouts_client_sid_unique").on(t.clientId, t.sid), kit.index("backchannel_logouts_status_idx").on(t.status)],
  );

  /**
   * A change of address the account asked for (POST /api/auth/email/change/): nothing
   * changes until the new address's link is used (lib/account/email-change.ts). The
   * confirmation link is the verification page's (`/verify-email/?token=`); the cancel
   * link went to the old address and also undoes a change already made.
   */
  const emailChanges = kit.table(
    "email_changes",
    {
      id: kit.id(),
      userId: kit.integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      oldEmail: kit.text("old_email").notNull(),
      oldEmailVerified: kit.boolean("old_email_verified").notNull(),
      newEmail: kit.text("new_email").notNull(),
      // SHA-256 of the links' tokens. For an address that has an account already, the
      // confirmation token was never sent anywhere: the change looks the same and cannot happen.
      tokenHash: kit.text("token_hash").notNull().unique(),
      cancelTokenHash: kit.text("cancel_token_hash").notNull().unique(),
      // The session that asked: the only one the change leaves signed in.
      sessionId: kit.text("session_id").references(() => sessions.id, { onDelete: "set null" }),
      createdAt: kit.timestamp("created_at").notNull().default(kit.now),
      expiresAt: kit.timestamp("expires_at").notNull(),
      cancelExpiresAt: kit.timestamp("cancel_expires_at").notNull(),
      confirmedAt: kit.timestamp("confirmed_at"),
      // No longer pending: cancelled by the old address, withdrawn from the profile, or
      // superseded by a newer request.
      cancelledAt: kit.timestamp("cancelled_at"),
      // The cancel link was used. It works once, until cancel_expires_at, whatever became
      // of the change (a newer request does not silence the older notice's link).
      cancelUsedAt: kit.timestamp("cancel_used_at"),
    },
    (t) => [kit.index("email_changes_user_idx").on(t.userId)],
  );

  /**
   * What administrators did (GET /api/admin/audit/), kept a year. No foreign keys: the
   * entry keeps the ids and addresses as they were, after either account is erased.
   */
  const adminAudit = kit.table(
    "admin_audit",
    {
      id: kit.id(),
      at: kit.timestamp("at").notNull().default(kit.now),
      action: kit.text("action", { enum: ADMIN_ACTIONS }).notNull(),
      // Null for a change made from the server's shell (npm run admin).
      adminId: kit.integer("admin_id"),
      adminEmail: kit.text("admin_email"),
      targetId: kit.integer("target_id"),
      targetEmail: kit.text("target_email"),
      reason: kit.text("reason"),
      ip: kit.text("ip"),
    },
    (t) => [kit.index("admin_audit_at_idx").on(t.at)],
  );

  return { users, socialAccounts, emailVerificationTokens, passwordResetTokens, sessions, refreshTokens, emails, rateLimits, sessionReauthentications,
    totpCredentials, recoveryCodes, mfaTokens, passkeys, webauthnChallenges, securityEvents, oidcModels, oidcConsents, backchannelLogouts, emailChanges, adminAudit };
}
