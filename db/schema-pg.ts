import { pgKit } from "./kit";
import { defineTables } from "./tables";

// The tables as PostgreSQL spells them (db/tables.ts, db/kit.ts), for drizzle-kit only
// (db/migrations-pg): lib/ queries db/schema.ts's tables on either database
// (docs/decisions/003).

export const { users, socialAccounts, emailVerificationTokens, passwordResetTokens, sessions, refreshTokens, emails, rateLimits,
  sessionReauthentications, totpCredentials, recoveryCodes, mfaTokens, passkeys, webauthnChallenges, securityEvents, oidcModels, oidcConsents,
  backchannelLogouts, emailChanges, adminAudit } = defineTables(pgKit);
