import "server-only";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Queryable } from "@/lib/db";
import { mfaTokens, passwordResetTokens, users, type User } from "@/db/schema";
import { revokeUserSessions } from "./session";

// A credential change ends what the old state vouched for (docs/security.md, "A
// credential change"), in the change's own transaction, here and nowhere else.
//
// Every change moves users.credentials_version on. A sign-in carries the version it was
// proven against (read before its password was hashed, or kept in its mfa_token), and
// its session starts only if the version still stands (lib/auth/session.ts startSession):
// so a login that passed its hash a moment before a reset committed, or an mfa_token
// handed out before it, gets nothing. A password change that raced a reset checks the
// version it was proven against the same way, and loses.

/**
 * What changed. A password change, an email change (the address reset links go to), an
 * account disabled and a second factor reset by an administrator also end sessions;
 * all but the last spend reset links too.
 */
export type CredentialChange =
  | "password_reset"
  | "password_changed"
  | "totp_enabled"
  | "totp_disabled"
  | "recovery_codes_regenerated"
  | "email_changed"
  | "account_disabled"
  | "second_factor_reset";

const ENDS_SESSIONS: ReadonlySet<CredentialChange> = new Set(["password_reset", "password_changed", "email_changed", "account_disabled", "second_factor_reset"]);
const SPENDS_RESET_LINKS: ReadonlySet<CredentialChange> = new Set(["password_reset", "password_changed", "email_changed", "account_disabled"]);

/**
 * Record a credential change of `userId` inside `tx`: move its version on (with `set`,
 * the change's own columns, in the same statement), spend its outstanding mfa_tokens, and
 * where the change says so end its sessions (but `keepSessionId`) and spend its reset links.
 * With `ifVersion`, only when the version is still that one: false, and nothing written,
 * when another change got there first (the caller rolls back or answers as refused).
 */
export async function retireCredentials(
  tx: Queryable,
  input: {
    userId: number;
    change: CredentialChange;
    set?: Partial<Pick<User, "passwordHash" | "emailVerified" | "email" | "emailKey" | "disabledAt">>;
    ifVersion?: number;
    keepSessionId?: string;
    now: number;
  },
): Promise<boolean> {
  const at = new Date(input.now);
  const moved = await tx
    .update(users)
    .set({ ...input.set, credentialsVersion: sql`${users.credentialsVersion} + 1`, updatedAt: at })
    .where(input.ifVersion === undefined ? eq(users.id, input.userId) : and(eq(users.id, input.userId), eq(users.credentialsVersion, input.ifVersion)))
    .returning({ id: users.id });
  if (moved.length === 0) return false;
  await tx.update(mfaTokens).set({ usedAt: at }).where(and(eq(mfaTokens.userId, input.userId), isNull(mfaTokens.usedAt)));
  if (ENDS_SESSIONS.has(input.change)) {
    await revokeUserSessions(input.userId, { tx, exceptSessionId: input.keepSessionId, now: input.now });
  }
  if (SPENDS_RESET_LINKS.has(input.change)) {
    // A reset link asked for before the change would undo it (OWASP Forgot Password); after
    // an email change it went to an address the account no longer has.
    await tx.update(passwordResetTokens).set({ usedAt: at }).where(and(eq(passwordResetTokens.userId, input.userId), isNull(passwordResetTokens.usedAt)));
  }
  return true;
}
