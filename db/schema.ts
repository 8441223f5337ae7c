import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    createdAt: timestamp("created_at").notNull().default(now),
    updatedAt: timestamp("updated_at").notNull().default(now),
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
    status: text("status", { enum: ["pending", "sending", "sent", "failed", "mailbox"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
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
