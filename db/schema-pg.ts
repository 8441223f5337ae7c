import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ADMIN_ACTIONS, SECURITY_EVENT_TYPES, USER_ROLES } from "../lib/security-event-types";

// The PostgreSQL copy of db/schema.ts, for drizzle-kit (db/migrations-pg) only: queries in
// lib/ are built from db/schema.ts's tables on either database (docs/decisions/003), so
// every value must reach PostgreSQL in the form SQLite's columns send and come back in
// the form they read:
// - timestamps are bigint milliseconds since the epoch, as SQLite's integers are
//   (db/postgres.ts reads int8 as a JS number; milliseconds stay far below 2^53);
// - booleans are boolean (PostgreSQL accepts SQLite's 1/0 as boolean input; true reads
//   back as 1 == true);
// - JSON is jsonb, read back as its text, which SQLite's json columns parse.
// tests/unit/schema-parity.test.ts compares the two table by table and column by column.

const now = sql`(floor(extract(epoch from clock_timestamp()) * 1000)::bigint)`;
const timestamp = (name: string) => bigint(name, { mode: "number" });
const id = () => integer("id").primaryKey().generatedByDefaultAsIdentity();

export const users = pgTable(
  "users",
  {
    id: id(),
    username: text("username").notNull(),
    email: text("email").notNull(),
    usernameKey: text("username_key").notNull(),
    emailKey: text("email_key").notNull(),
    passwordHash: text("password_hash"),
    emailVerified: boolean("email_verified").notNull().default(false),
    credentialsVersion: integer("credentials_version").notNull().default(0),
    lastLoginAt: timestamp("last_login_at"),
    createdAt: timestamp("created_at").notNull().default(now),
    updatedAt: timestamp("updated_at").notNull().default(now),
    disabledAt: timestamp("disabled_at"),
    role: text("role", { enum: USER_ROLES }).notNull().default("user"),
  },
  (t) => [uniqueIndex("users_username_key_unique").on(t.usernameKey), uniqueIndex("users_email_key_unique").on(t.emailKey)],
);

export const socialAccounts = pgTable(
  "social_accounts",
  {
    id: id(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider", { enum: ["google", "github"] }).notNull(),
    providerUserId: text("provider_user_id").notNull(),
    email: text("email"),
    profile: jsonb("profile").notNull().default({}),
    createdAt: timestamp("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("social_accounts_provider_user_unique").on(t.provider, t.providerUserId),
    uniqueIndex("social_accounts_user_provider_unique").on(t.userId, t.provider),
  ],
);

const emailedTokenTable = <N extends string>(name: N) =>
  pgTable(
    name,
    {
      id: id(),
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

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at").notNull().default(now),
    lastUsedAt: timestamp("last_used_at").notNull().default(now),
    expiresAt: timestamp("expires_at").notNull(),
    revokedAt: timestamp("revoked_at"),
    userAgent: text("user_agent"),
    ip: text("ip"),
    secondFactor: text("second_factor", { enum: ["totp", "recovery_code", "passkey"] }),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: id(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: timestamp("created_at").notNull().default(now),
    expiresAt: timestamp("expires_at").notNull(),
    rotatedAt: timestamp("rotated_at"),
    replacedById: integer("replaced_by_id"),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);

export const emails = pgTable(
  "emails",
  {
    id: id(),
    to: text("to").notNull(),
    recipientKey: text("recipient_key"),
    capped: boolean("capped").notNull().default(false),
    reserved: boolean("reserved").notNull().default(false),
    forgetAfterDelivery: boolean("forget_after_delivery").notNull().default(false),
    from: text("from").notNull(),
    subject: text("subject").notNull(),
    text: text("text"),
    html: text("html"),
    status: text("status", { enum: ["pending", "sending", "sent", "failed", "mailbox"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    claimedAt: timestamp("claimed_at"),
    providerMessageId: text("provider_message_id"),
    createdAt: timestamp("created_at").notNull().default(now),
    sentAt: timestamp("sent_at"),
  },
  (t) => [index("emails_status_idx").on(t.status), index("emails_recipient_idx").on(t.recipientKey, t.createdAt)],
);

// rate-limiter-flexible's RateLimiterPostgres table (its own DDL: varchar key, bigint expire).
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  points: integer("points").notNull().default(0),
  expire: bigint("expire", { mode: "number" }),
});

export const sessionReauthentications = pgTable("session_reauthentications", {
  sessionId: text("session_id")
    .primaryKey()
    .references(() => sessions.id, { onDelete: "cascade" }),
  at: timestamp("at").notNull(),
  method: text("method", { enum: ["password", "totp", "passkey"] }).notNull().default("password"),
});

export const totpCredentials = pgTable("totp_credentials", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  encryptedSecret: text("encrypted_secret").notNull(),
  createdAt: timestamp("created_at").notNull().default(now),
  confirmedAt: timestamp("confirmed_at"),
  // RFC 6238 steps are about 5.9e7 today: integer is plenty, as on SQLite.
  lastUsedStep: integer("last_used_step"),
});

export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: id(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    createdAt: timestamp("created_at").notNull().default(now),
    usedAt: timestamp("used_at"),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

export const mfaTokens = pgTable(
  "mfa_tokens",
  {
    id: id(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    method: text("method").notNull().default("password"),
    credentialsVersion: integer("credentials_version").notNull().default(0),
    createdAt: timestamp("created_at").notNull().default(now),
    expiresAt: timestamp("expires_at").notNull(),
    usedAt: timestamp("used_at"),
  },
  (t) => [index("mfa_tokens_user_idx").on(t.userId)],
);

export const passkeys = pgTable(
  "passkeys",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    credentialId: text("credential_id").notNull().unique(),
    publicKey: text("public_key").notNull(),
    // The WebAuthn signature counter is an unsigned 32-bit value: past integer's 2^31.
    counter: bigint("counter", { mode: "number" }).notNull().default(0),
    transports: jsonb("transports").notNull().default([]),
    deviceType: text("device_type", { enum: ["singleDevice", "multiDevice"] }).notNull(),
    backedUp: boolean("backed_up").notNull().default(false),
    userHandle: text("user_handle").notNull(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at").notNull().default(now),
    lastUsedAt: timestamp("last_used_at"),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);

export const webauthnChallenges = pgTable("webauthn_challenges", {
  id: id(),
  challengeHash: text("challenge_hash").notNull().unique(),
  purpose: text("purpose", { enum: ["register", "login"] }).notNull(),
  userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
  userHandle: text("user_handle"),
  expiresAt: timestamp("expires_at").notNull(),
  usedAt: timestamp("used_at"),
});

export const securityEvents = pgTable(
  "security_events",
  {
    id: id(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type", { enum: SECURITY_EVENT_TYPES }).notNull(),
    at: timestamp("at").notNull().default(now),
    ip: text("ip"),
    userAgent: text("user_agent"),
    detail: jsonb("detail").notNull().default({}),
  },
  (t) => [index("security_events_user_at_idx").on(t.userId, t.at), index("security_events_at_idx").on(t.at)],
);

export const oidcModels = pgTable(
  "oidc_models",
  {
    model: text("model").notNull(),
    id: text("id").notNull(),
    payload: text("payload").notNull(),
    grantId: text("grant_id"),
    uid: text("uid"),
    userCode: text("user_code"),
    accountId: integer("account_id").references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id"),
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

export const oidcConsents = pgTable(
  "oidc_consents",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clientId: text("client_id").notNull(),
    scopes: text("scopes").notNull(),
    createdAt: timestamp("created_at").notNull().default(now),
    updatedAt: timestamp("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.clientId] })],
);

export const backchannelLogouts = pgTable(
  "backchannel_logouts",
  {
    id: id(),
    clientId: text("client_id").notNull(),
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

export const emailChanges = pgTable(
  "email_changes",
  {
    id: id(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    oldEmail: text("old_email").notNull(),
    oldEmailVerified: boolean("old_email_verified").notNull(),
    newEmail: text("new_email").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    cancelTokenHash: text("cancel_token_hash").notNull().unique(),
    sessionId: text("session_id").references(() => sessions.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at").notNull().default(now),
    expiresAt: timestamp("expires_at").notNull(),
    cancelExpiresAt: timestamp("cancel_expires_at").notNull(),
    confirmedAt: timestamp("confirmed_at"),
    cancelledAt: timestamp("cancelled_at"),
    cancelUsedAt: timestamp("cancel_used_at"),
  },
  (t) => [index("email_changes_user_idx").on(t.userId)],
);

export const adminAudit = pgTable(
  "admin_audit",
  {
    id: id(),
    at: timestamp("at").notNull().default(now),
    action: text("action", { enum: ADMIN_ACTIONS }).notNull(),
    adminId: integer("admin_id"),
    adminEmail: text("admin_email"),
    targetId: integer("target_id"),
    targetEmail: text("target_email"),
    reason: text("reason"),
    ip: text("ip"),
  },
  (t) => [index("admin_audit_at_idx").on(t.at)],
);
