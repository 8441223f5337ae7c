import { sqliteKit } from "./kit";
import type { SecurityEventType } from "./security-event-types";
import { defineTables } from "./tables";

// The tables as SQLite spells them (db/tables.ts, db/kit.ts): what lib/ queries, on either
// database (docs/decisions/003), and what drizzle-kit reads for db/migrations.

export const { users, socialAccounts, emailVerificationTokens, passwordResetTokens, sessions, refreshTokens, emails, rateLimits,
  sessionReauthentications, totpCredentials, recoveryCodes, mfaTokens, passkeys, webauthnChallenges, securityEvents, oidcModels, oidcConsents,
  backchannelLogouts, emailChanges, adminAudit } = defineTables(sqliteKit);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type SocialAccount = typeof socialAccounts.$inferSelect;
export type Email = typeof emails.$inferSelect;
export type Passkey = typeof passkeys.$inferSelect;
export type SecurityEvent = typeof securityEvents.$inferSelect;
export type EmailChange = typeof emailChanges.$inferSelect;
export type AdminAuditEntry = typeof adminAudit.$inferSelect;
export type { SecurityEventType };
