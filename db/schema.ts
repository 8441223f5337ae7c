import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ADMIN_ACTIONS, SECURITY_EVENT_TYPES, USER_ROLES, type SecurityEventType } from "../lib/security-event-types";

// Timestamps are integer milliseconds since the epoch, defaulted by SQLite itself so
// rows written outside the app (a migration, a shell) get them too.
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;
const timestamp = (name: string) => integer(name, { mode: "timestamp_ms" });

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username").notNull(),
    email: text("email").notNull(),
    // Case-folded copies that carry the uniqueness: SQLite's lower() folds ASCII only, and
    // usernames may be letters of any script (see lib/auth/user.ts identityKey).
    usernameKey: text("username_key").notNull(),
    emailKey: text("email_key").notNull(),
    // Null for accounts that only sign in through a provider.
    passwordHash: text("password_hash"),
    emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
    // Moves on at every credential change (lib/auth/credentials.ts): a sign-in, an
    // mfa_token or a password change that proved an older value cannot finish.
    credentialsVersion: integer("credentials_version").notNull().default(0),
    lastLoginAt: timestamp("last_login_at"),
    createdAt: timestamp("created_at").notNull().default(now),
    updatedAt: timestamp("updated_at").notNull().default(now),
    // Set while the account may not sign in (an inactive user moved in from Django;
    // administrators later): completeSignIn refuses it (lib/auth/sign-in.ts).
    disabledAt: timestamp("disabled_at"),
    // `admin` may use /api/admin/ (with a second factor): granted from the shell, `npm run
    // admin -- grant EMAIL` (lib/admin/roles.ts), never by signing up.
    role: text("role", { enum: USER_ROLES }).notNull().default("user"),
  },
  (t) => [
    // Unique without regard to case (docs/api.md, register).
    uniqueIndex("users_username_key_unique").on(t.usernameKey),
    uniqueIndex("users_email_key_unique").on(t.emailKey),
  ],
);

export const socialAccounts = sqliteTable(
  "social_accounts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider", { enum: ["google", "github"] }).notNull(),
    providerUserId: text("provider_user_id").notNull(),
    email: text("email"),
    profile: text("profile", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("social_accounts_provider_user_unique").on(t.provider, t.providerUserId),
    // One account per provider per user: linking a second GitHub account is refused.
    uniqueIndex("social_accounts_user_provider_unique").on(t.userId, t.provider),
  ],
);

/**
 * A single-use token sent by email (verification, password reset): only its SHA-256 is
 * stored (docs/security.md, sessions and tokens), with its expiry and the moment it was used
 * or superseded.
 */
const emailedTokenTable = <N extends string>(name: N) =>
  sqliteTable(
    name,
    {
      id: integer("id").primaryKey({ autoIncrement: true }),
      userId: integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      tokenHash: text("token_hash").notNull().unique(),
      createdAt: timestamp("created_at").notNull().default(now),
      expiresAt: timestamp("expires_at").notNull(),
      usedAt: timestamp("used_at"),
    },
    (t) => [index(`${name}_user_idx`).on(t.userId)],
  );

export const emailVerificationTokens = emailedTokenTable("email_verification_tokens");
export const passwordResetTokens = emailedTokenTable("password_reset_tokens");

export const sessions = sqliteTable(
  "sessions",
  {
    // Random, public (it appears in /api/auth/sessions/<id>/), never a credential.
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at").notNull().default(now),
    lastUsedAt: timestamp("last_used_at").notNull().default(now),
    // SESSION_MAX_AGE after login, whatever the rotations.
    expiresAt: timestamp("expires_at").notNull(),
    revokedAt: timestamp("revoked_at"),
    userAgent: text("user_agent"),
    ip: text("ip"),
    // What proved the second factor at sign-in (a passkey is both): null for one factor.
    secondFactor: text("second_factor", { enum: ["totp", "recovery_code", "passkey"] }),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: timestamp("created_at").notNull().default(now),
    expiresAt: timestamp("expires_at").notNull(),
    // Set when the token is exchanged for its successor; a later presentation is reuse.
    rotatedAt: timestamp("rotated_at"),
    replacedById: integer("replaced_by_id"),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);

// The outbox and, in development, the mailbox shown at /dev/mail/. A message is written
// in the same transaction as the change that causes it, so a crash cannot lose it.
export const emails = sqliteTable(
  "emails",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    to: text("to").notNull(),
    // mailboxKey(to): the per-address cap counts by it (case-folded, without a +tag).
    recipientKey: text("recipient_key"),
    // Sent because someone asked (verification, reset, claim, registration notice), so it
    // counts toward RATE_LIMIT_EMAIL_PER_ADDRESS; notices of proven actions do not.
    capped: integer("capped", { mode: "boolean" }).notNull().default(false),
    from: text("from").notNull(),
    subject: text("subject").notNull(),
    // Cleared once a message is delivered through Resend: links in it carry tokens.
    text: text("text"),
    html: text("html"),
    // Sent from the allowance an owner's known device keeps past a spent cap
    // (docs/decisions/025): at most one such message per address per hour.
    reserved: integer("reserved", { mode: "boolean" }).notNull().default(false),
    // The goodbye of an erased account (lib/account/erasure.ts): once delivered (or given
    // up on), the row itself goes, so nothing of the account stays in the outbox.
    forgetAfterDelivery: integer("forget_after_delivery", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: ["pending", "sending", "sent", "failed", "mailbox"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    // When a sender took it (status `sending`): another instance may take it back only
    // once that claim is older than a send can take (lib/email/send.ts SEND_LEASE_MS).
    claimedAt: timestamp("claimed_at"),
    providerMessageId: text("provider_message_id"),
    createdAt: timestamp("created_at").notNull().default(now),
    sentAt: timestamp("sent_at"),
  },
  (t) => [index("emails_status_idx").on(t.status), index("emails_recipient_idx").on(t.recipientKey, t.createdAt)],
);

// rate-limiter-flexible's RateLimiterSQLite table, created here so migrations own the schema.
export const rateLimits = sqliteTable("rate_limits", {
  key: text("key").primaryKey(),
  points: integer("points").notNull().default(0),
  expire: integer("expire"),
});

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type SocialAccount = typeof socialAccounts.$inferSelect;
export type Email = typeof emails.$inferSelect;

// Second factor, passkeys and security activity (docs/api.md; docs/decisions/018-020).

/**
 * When the session's user last proved who they are after signing in (password or code
 * again): sensitive changes need a proof within REAUTH_MAX_AGE (lib/auth/reauth.ts). A
 * table of its own, one row per session, so the sessions table stays as it is.
 */
export const sessionReauthentications = sqliteTable("session_reauthentications", {
  sessionId: text("session_id")
    .primaryKey()
    .references(() => sessions.id, { onDelete: "cascade" }),
  at: timestamp("at").notNull(),
  // How: a password, or a second factor (a code, a passkey). With TOTP on only the latter counts.
  method: text("method", { enum: ["password", "totp", "passkey"] }).notNull().default("password"),
});

/** One TOTP credential per user; unconfirmed until the first code proves the app holds it. */
export const totpCredentials = sqliteTable("totp_credentials", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  // AES-256-GCM with a key id (lib/auth/mfa/secret-box.ts); never the plain secret.
  encryptedSecret: text("encrypted_secret").notNull(),
  createdAt: timestamp("created_at").notNull().default(now),
  confirmedAt: timestamp("confirmed_at"),
  // The last RFC 6238 time step accepted: that step and every earlier one are spent.
  lastUsedStep: integer("last_used_step"),
});

/** Ten per user at a time; only the SHA-256 of each (80 random bits) is stored. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    createdAt: timestamp("created_at").notNull().default(now),
    usedAt: timestamp("used_at"),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

/** The half-finished login of a user with a second factor: opaque, hashed, 5 minutes, single use. */
export const mfaTokens = sqliteTable(
  "mfa_tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    // How the first step was proven (password, google, github): the login event names it.
    method: text("method").notNull().default("password"),
    // users.credentials_version when the first step was proven: a credential change since spends it.
    credentialsVersion: integer("credentials_version").notNull().default(0),
    createdAt: timestamp("created_at").notNull().default(now),
    expiresAt: timestamp("expires_at").notNull(),
    usedAt: timestamp("used_at"),
  },
  (t) => [index("mfa_tokens_user_idx").on(t.userId)],
);

export const passkeys = sqliteTable(
  "passkeys",
  {
    // Random and public (it appears in /api/auth/passkeys/<id>/), never the credential id.
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // base64url, as the browser reports it.
    credentialId: text("credential_id").notNull().unique(),
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull().default(0),
    transports: text("transports", { mode: "json" }).$type<string[]>().notNull().default([]),
    deviceType: text("device_type", { enum: ["singleDevice", "multiDevice"] }).notNull(),
    backedUp: integer("backed_up", { mode: "boolean" }).notNull().default(false),
    // The WebAuthn user handle (random, base64url), the same for every passkey of a user.
    userHandle: text("user_handle").notNull(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at").notNull().default(now),
    lastUsedAt: timestamp("last_used_at"),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);

/** A WebAuthn challenge we issued: hashed, bound to its purpose (and user), 5 minutes, single use. */
export const webauthnChallenges = sqliteTable("webauthn_challenges", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  challengeHash: text("challenge_hash").notNull().unique(),
  purpose: text("purpose", { enum: ["register", "login"] }).notNull(),
  // Null for a sign-in challenge: the passkey says whose it is.
  userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
  // Registration: the user handle the options carried, which the new passkey keeps.
  userHandle: text("user_handle"),
  expiresAt: timestamp("expires_at").notNull(),
  usedAt: timestamp("used_at"),
});


/** What happened to an account, for its owner (GET /api/auth/activity/); kept 90 days. */
export const securityEvents = sqliteTable(
  "security_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type", { enum: SECURITY_EVENT_TYPES }).notNull(),
    at: timestamp("at").notNull().default(now),
    ip: text("ip"),
    userAgent: text("user_agent"),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("security_events_user_at_idx").on(t.userId, t.at), index("security_events_at_idx").on(t.at)],
);

export type Passkey = typeof passkeys.$inferSelect;
export type SecurityEvent = typeof securityEvents.$inferSelect;
export type { SecurityEventType };

// The OpenID Connect provider (docs/oidc.md; docs/decisions/041). One table for every model
// oidc-provider stores (sessions, interactions, grants, codes, tokens), as its adapter
// interface sees them: a JSON payload under (model, id), with the columns its look-ups and
// Gatehouse's revocations need. `consumed_at` is set by one conditional update, so a code
// or refresh token is spent once even when two instances race (lib/oidc/adapter.ts).
export const oidcModels = sqliteTable(
  "oidc_models",
  {
    model: text("model").notNull(),
    id: text("id").notNull(),
    payload: text("payload").notNull(),
    grantId: text("grant_id"),
    uid: text("uid"),
    userCode: text("user_code"),
    // Whose it is and for which app: "Apps with access" and its revoke read these.
    accountId: integer("account_id").references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id"),
    // The Gatehouse session (sessions.id) a provider session or grant came from: when that
    // session ends, so do they (lib/oidc/session-end.ts).
    sessionId: text("session_id"),
    expiresAt: timestamp("expires_at"),
    consumedAt: timestamp("consumed_at"),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.id] }),
    index("oidc_models_grant_idx").on(t.grantId),
    index("oidc_models_uid_idx").on(t.uid),
    index("oidc_models_user_code_idx").on(t.userCode),
    index("oidc_models_account_client_idx").on(t.accountId, t.clientId),
    index("oidc_models_session_idx").on(t.sessionId),
    index("oidc_models_expires_idx").on(t.expiresAt),
  ],
);

/** A user's answer on the consent page, remembered per user, client and scopes. */
export const oidcConsents = sqliteTable(
  "oidc_consents",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id").notNull(),
    // Space-separated, as OAuth writes them.
    scopes: text("scopes").notNull(),
    createdAt: timestamp("created_at").notNull().default(now),
    updatedAt: timestamp("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.clientId] })],
);

// The back-channel logout outbox (OpenID Back-Channel Logout 1.0): written in the
// transaction that ends a session, delivered and retried like email (lib/oidc/backchannel.ts).
export const backchannelLogouts = sqliteTable(
  "backchannel_logouts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    clientId: text("client_id").notNull(),
    // The logout token's sub and sid: the user id and the provider session's sid for that client.
    sub: text("sub").notNull(),
    sid: text("sid").notNull(),
    status: text("status", { enum: ["pending", "sending", "sent", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    claimedAt: timestamp("claimed_at"),
    createdAt: timestamp("created_at").notNull().default(now),
    sentAt: timestamp("sent_at"),
  },
  (t) => [uniqueIndex("backchannel_logouts_client_sid_unique").on(t.clientId, t.sid), index("backchannel_logouts_status_idx").on(t.status)],
);

/**
 * A change of address the account asked for (POST /api/auth/email/change/): nothing
 * changes until the new address's link is used (lib/account/email-change.ts). The
 * confirmation link is the verification page's (`/verify-email/?token=`); the cancel
 * link went to the old address and also undoes a change already made.
 */
export const emailChanges = sqliteTable(
  "email_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    oldEmail: text("old_email").notNull(),
    oldEmailVerified: integer("old_email_verified", { mode: "boolean" }).notNull(),
    newEmail: text("new_email").notNull(),
    // SHA-256 of the links' tokens. For an address that has an account already, the
    // confirmation token was never sent anywhere: the change looks the same and cannot happen.
    tokenHash: text("token_hash").notNull().unique(),
    cancelTokenHash: text("cancel_token_hash").notNull().unique(),
    // The session that asked: the only one the change leaves signed in.
    sessionId: text("session_id").references(() => sessions.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at").notNull().default(now),
    expiresAt: timestamp("expires_at").notNull(),
    cancelExpiresAt: timestamp("cancel_expires_at").notNull(),
    confirmedAt: timestamp("confirmed_at"),
    // No longer pending: cancelled by the old address, withdrawn from the profile, or
    // superseded by a newer request.
    cancelledAt: timestamp("cancelled_at"),
    // The cancel link was used. It works once, until cancel_expires_at, whatever became
    // of the change (a newer request does not silence the older notice's link).
    cancelUsedAt: timestamp("cancel_used_at"),
  },
  (t) => [index("email_changes_user_idx").on(t.userId)],
);

/**
 * What administrators did (GET /api/admin/audit/), kept a year. No foreign keys: the
 * entry keeps the ids and addresses as they were, after either account is erased.
 */
export const adminAudit = sqliteTable(
  "admin_audit",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: timestamp("at").notNull().default(now),
    action: text("action", { enum: ADMIN_ACTIONS }).notNull(),
    // Null for a change made from the server's shell (npm run admin).
    adminId: integer("admin_id"),
    adminEmail: text("admin_email"),
    targetId: integer("target_id"),
    targetEmail: text("target_email"),
    reason: text("reason"),
    ip: text("ip"),
  },
  (t) => [index("admin_audit_at_idx").on(t.at)],
);

export type EmailChange = typeof emailChanges.$inferSelect;
export type AdminAuditEntry = typeof adminAudit.$inferSelect;
