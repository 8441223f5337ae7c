import "server-only";
import { NO_CLIENT, recordSecurityEventIn, type Client } from "./activity";
import { and, eq, gt, isNull } from "drizzle-orm";
import { getDb, writeTransaction, type Queryable } from "@/lib/db";
import { passwordResetTokens, users, type User } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { emailCapSpent, queueEmail, reservedEmailSpent } from "@/lib/email/send";
import { passwordChangedEmail, passwordResetEmail } from "@/lib/email/templates";
import { log } from "@/lib/log";
import { LinkTokenSchema, type FieldErrors } from "@/lib/validation";
import { hashPassword, verifyPasswordHash } from "./password";
import { passwordProblems } from "./password-policy";
import { checkAccountSecret, clearAccountLockout } from "./rate-limit";
import { retireCredentials } from "./credentials";
import { deviceOf, type DeviceClaim } from "./device";
import { hasTotp } from "./mfa/second-factor";
import { removeUnprovenAccess } from "./unproven-access";
import { getUserByEmail } from "./user";

// Password reset (OWASP Forgot Password cheat sheet), claim links, and change. Reset
// tokens: 256 random bits, SHA-256 stored, single use, one hour, a new request
// supersedes older ones. Setting a password either way revokes the other sessions
// (ASVS 3.3.3) and tells the owner.

export const RESET_TOKEN_TTL_SECONDS = 3600;

/**
 * A fresh reset token for `user` that supersedes every older one; returns its link. The
 * address rides in the fragment (which no server and no Referer sees): the page puts it
 * in a hidden username field, so password managers file the new password under it.
 */
export async function issueResetLink(tx: Queryable, user: { id: number; email: string }, now: number): Promise<string> {
  const userId = user.id;
  const token = randomToken(32);
  await supersedeResetLinks(tx, userId, new Date(now));
  await tx.insert(passwordResetTokens).values({
    userId,
    tokenHash: sha256(token),
    createdAt: new Date(now),
    expiresAt: new Date(now + RESET_TOKEN_TTL_SECONDS * 1000),
  });
  return `${getEnv().APP_URL}/reset-password/?token=${encodeURIComponent(token)}#${new URLSearchParams({ email: user.email })}`;
}

/**
 * Queue a reset link for the account at `email`, if there is one. Returns the email's
 * id, or null when there is no account or the address's hourly email cap is spent. A
 * request from a browser that signed in to this account before (`device`) may take the
 * one email an hour reserved past the cap (docs/decisions/025): whoever filled the cap
 * from elsewhere cannot hold back the owner's own reset.
 */
export async function requestPasswordReset(email: string, options: { device?: DeviceClaim | null; now?: number } = {}): Promise<number | null> {
  const now = options.now ?? Date.now();
  const user = await getUserByEmail(email);
  if (!user) return null;
  const knownDevice = (await deviceOf(options.device, user)) !== null;
  return writeTransaction(async (tx) => {
    // Past the cap (and the reserved email), no new token either: it would supersede the
    // link the owner holds.
    const capSpent = await emailCapSpent(tx, user.email, now);
    if (capSpent && !(knownDevice && !(await reservedEmailSpent(tx, user.email, now)))) return null;
    const link = await issueResetLink(tx, user, now);
    const message = passwordResetEmail({ to: user.email, username: user.username, link, validForSeconds: RESET_TOKEN_TTL_SECONDS });
    return queueEmail(tx, message, capSpent ? "reserved" : "request", now);
  });
}

export type ResetLinkState = { ok: true } | { ok: false; reason: "used" | "expired" | "invalid" };

/**
 * Read-only: whether a reset (or claim) link can still set a password, so its page says
 * "used" or "expired" before the person types a new password (docs/api.md, email links).
 */
export async function checkResetLink(token: unknown, now = Date.now()): Promise<ResetLinkState> {
  const parsed = LinkTokenSchema.safeParse(token);
  const [row] = parsed.success
    ? await getDb()
        .select({ usedAt: passwordResetTokens.usedAt, expiresAt: passwordResetTokens.expiresAt })
        .from(passwordResetTokens)
        .where(eq(passwordResetTokens.tokenHash, sha256(parsed.data)))
        .limit(1)
    : [];
  if (!row) return { ok: false, reason: "invalid" };
  if (row.usedAt) return { ok: false, reason: "used" };
  return row.expiresAt.getTime() > now ? { ok: true } : { ok: false, reason: "expired" };
}

export type PasswordUpdateResult =
  | { ok: true }
  | { ok: false; reason: "invalid_or_expired" }
  | { ok: false; reason: "invalid_password"; errors: FieldErrors };

function changedNotice(user: User, how: "reset" | "change") {
  return passwordChangedEmail({ to: user.email, username: user.username, resetUrl: `${getEnv().APP_URL}/reset-password/`, how });
}

/**
 * Set a new password with an emailed token. The link proved the address, so the email
 * becomes verified; every session ends; the user is not signed in; the address's login
 * lockout is lifted. If the address was not verified before, whoever started the
 * account may not be its owner: every provider linked to it goes too (docs/security.md,
 * account ownership).
 */
export async function confirmPasswordReset(input: { token: string; password: string; client?: Client }, now = Date.now()): Promise<PasswordUpdateResult> {
  const parsed = LinkTokenSchema.safeParse(input.token);
  const [row] = parsed.success
    ? await getDb()
        .select({ token: passwordResetTokens, user: users })
        .from(passwordResetTokens)
        .innerJoin(users, eq(users.id, passwordResetTokens.userId))
        .where(
          and(
            eq(passwordResetTokens.tokenHash, sha256(parsed.data)),
            isNull(passwordResetTokens.usedAt),
            gt(passwordResetTokens.expiresAt, new Date(now)),
          ),
        )
    : [];
  if (!row) return { ok: false, reason: "invalid_or_expired" };

  const problems = passwordProblems({ password: input.password, username: row.user.username, email: row.user.email });
  if (problems.length) return { ok: false, reason: "invalid_password", errors: { password: problems } };
  const passwordHash = await hashPassword(input.password);

  const result = await writeTransaction(async (tx): Promise<PasswordUpdateResult & { providersRemoved?: number }> => {
    // Claimed under the same conditions, so two confirmations with one token cannot both win.
    const claimed = await tx
      .update(passwordResetTokens)
      .set({ usedAt: new Date(now) })
      .where(and(eq(passwordResetTokens.id, row.token.id), isNull(passwordResetTokens.usedAt)))
      .returning({ id: passwordResetTokens.id });
    if (claimed.length === 0) return { ok: false, reason: "invalid_or_expired" };
    // Read inside the transaction: the state the link is about to change.
    const [before] = await tx.select({ verified: users.emailVerified }).from(users).where(eq(users.id, row.user.id));
    // Every session, every mfa_token and every sign-in in flight of the old password ends here.
    await retireCredentials(tx, { userId: row.user.id, change: "password_reset", set: { passwordHash, emailVerified: true }, now });
    let providersRemoved = 0;
    if (!before?.verified) providersRemoved = (await removeUnprovenAccess(tx, row.user.id, now)).removed;
    await recordSecurityEventIn(tx, { userId: row.user.id, type: "password_reset", client: input.client ?? NO_CLIENT, detail: { providers_removed: providersRemoved } }, now);
    await queueEmail(tx, changedNotice(row.user, "reset"), "notice", now);
    return { ok: true, providersRemoved };
  });
  if (!result.ok) return result;
  await clearAccountLockout(row.user.email);
  if (result.providersRemoved) log.warn("reset of an unverified account removed its providers and passkeys", { userId: row.user.id, removed: result.providersRemoved });
  return { ok: true };
}

export type PasswordChangeResult =
  | { ok: true }
  | { ok: false; reason: "incorrect_password" | "invalid_password"; errors: FieldErrors }
  | { ok: false; reason: "locked"; retryAfter: number };

/** Change a password knowing the current one; keeps `sessionId`, ends the others. */
export async function changePassword(input: {
  user: User;
  sessionId: string;
  currentPassword: string;
  newPassword: string;
  client?: Client;
}): Promise<PasswordChangeResult> {
  const { user } = input;
  const incorrect: PasswordChangeResult = { ok: false, reason: "incorrect_password", errors: { current_password: ["Incorrect password"] } };
  // Guesses at the current password spend the account's login budget (docs/security.md):
  // a stolen access token is not a way around the lockout. With TOTP on, the right
  // password must not refund the wrong codes that share the budget (as at login).
  const checked = await checkAccountSecret(
    user.email,
    async () => (user.passwordHash ? verifyPasswordHash(user.passwordHash, input.currentPassword) : false),
    { clearOnSuccess: !(await hasTotp(user.id)) },
  );
  if (checked.locked) return { ok: false, reason: "locked", retryAfter: checked.retryAfter };
  if (!checked.passed) return incorrect;
  const problems = passwordProblems({ password: input.newPassword, username: user.username, email: user.email });
  if (problems.length) return { ok: false, reason: "invalid_password", errors: { new_password: problems } };
  const passwordHash = await hashPassword(input.newPassword);
  return writeTransaction(async (tx): Promise<PasswordChangeResult> => {
    const now = Date.now();
    // Only if the password checked above is still the account's: a reset that committed
    // meanwhile wins, and this change, proven against the old password, is refused.
    const changed = await retireCredentials(tx, {
      userId: user.id,
      change: "password_changed",
      set: { passwordHash },
      ifVersion: user.credentialsVersion,
      keepSessionId: input.sessionId,
      now,
    });
    if (!changed) return incorrect;
    await recordSecurityEventIn(tx, { userId: user.id, type: "password_changed", client: input.client ?? NO_CLIENT, detail: {} }, now);
    await queueEmail(tx, changedNotice(user, "change"), "notice", now);
    return { ok: true };
  });
}

/** Spend every outstanding reset link of the user. */
async function supersedeResetLinks(tx: Queryable, userId: number, now: Date): Promise<void> {
  await tx
    .update(passwordResetTokens)
    .set({ usedAt: now })
    .where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt)));
}
