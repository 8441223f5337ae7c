import "server-only";
import { and, eq, gt, isNull } from "drizzle-orm";
import { getDb, writeTransaction } from "@/db/client";
import { passwordResetTokens, users, type User } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { queueEmail } from "@/lib/email/send";
import { passwordChangedEmail, passwordResetEmail } from "@/lib/email/templates";
import { LinkTokenSchema, type FieldErrors } from "@/lib/validation";
import { hashPassword, verifyPasswordHash } from "./password";
import { passwordProblems } from "./password-policy";
import { revokeUserSessions } from "./session";
import { getUserByEmail } from "./user";

// Password reset (OWASP Forgot Password cheat sheet) and change. Reset tokens: 256 random
// bits, SHA-256 stored, single use, one hour, a new request supersedes older ones.
// Setting a password either way revokes the other sessions (ASVS 3.3.3) and tells the owner.

export const RESET_TOKEN_TTL_SECONDS = 3600;

/** Queue a reset link for the account at `email`, if there is one. Returns the email's id. */
export function requestPasswordReset(email: string, now = Date.now()): number | null {
  const user = getUserByEmail(email);
  if (!user) return null;
  const env = getEnv();
  const token = randomToken(32);
  return writeTransaction((tx) => {
    tx.update(passwordResetTokens)
      .set({ usedAt: new Date(now) })
      .where(and(eq(passwordResetTokens.userId, user.id), isNull(passwordResetTokens.usedAt)))
      .run();
    tx.insert(passwordResetTokens)
      .values({
        userId: user.id,
        tokenHash: sha256(token),
        createdAt: new Date(now),
        expiresAt: new Date(now + RESET_TOKEN_TTL_SECONDS * 1000),
      })
      .run();
    return queueEmail(
      tx,
      passwordResetEmail({
        to: user.email,
        username: user.username,
        link: `${env.APP_URL}/reset-password/?token=${encodeURIComponent(token)}`,
        validForSeconds: RESET_TOKEN_TTL_SECONDS,
      }),
    );
  });
}

export type PasswordUpdateResult =
  | { ok: true; emailId: number }
  | { ok: false; reason: "invalid_or_expired" }
  | { ok: false; reason: "invalid_password"; errors: FieldErrors };

function changedNotice(user: User, how: "reset" | "change") {
  return passwordChangedEmail({ to: user.email, username: user.username, resetUrl: `${getEnv().APP_URL}/reset-password/`, how });
}

/**
 * Set a new password with an emailed token. The link proved the address, so the email
 * becomes verified; every session ends; the user is not signed in.
 */
export async function confirmPasswordReset(input: { token: string; password: string }, now = Date.now()): Promise<PasswordUpdateResult> {
  const parsed = LinkTokenSchema.safeParse(input.token);
  const row = parsed.success
    ? getDb()
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
        .get()
    : undefined;
  if (!row) return { ok: false, reason: "invalid_or_expired" };

  const problems = passwordProblems({ password: input.password, username: row.user.username, email: row.user.email });
  if (problems.length) return { ok: false, reason: "invalid_password", errors: { password: problems } };
  const passwordHash = await hashPassword(input.password);

  return writeTransaction((tx): PasswordUpdateResult => {
    // Claimed under the same conditions, so two confirmations with one token cannot both win.
    const claimed = tx
      .update(passwordResetTokens)
      .set({ usedAt: new Date(now) })
      .where(and(eq(passwordResetTokens.id, row.token.id), isNull(passwordResetTokens.usedAt)))
      .run();
    if (claimed.changes === 0) return { ok: false, reason: "invalid_or_expired" };
    tx.update(users)
      .set({ passwordHash, emailVerified: true, updatedAt: new Date(now) })
      .where(eq(users.id, row.user.id))
      .run();
    revokeUserSessions(row.user.id, { tx, now });
    return { ok: true, emailId: queueEmail(tx, changedNotice(row.user, "reset")) };
  });
}

export type PasswordChangeResult = { ok: true; emailId: number } | { ok: false; errors: FieldErrors };

/** Change a password knowing the current one; keeps `sessionId`, ends the others. */
export async function changePassword(input: {
  user: User;
  sessionId: string;
  currentPassword: string;
  newPassword: string;
}): Promise<PasswordChangeResult> {
  const { user } = input;
  if (!user.passwordHash || !(await verifyPasswordHash(user.passwordHash, input.currentPassword))) {
    return { ok: false, errors: { current_password: ["Incorrect password"] } };
  }
  const problems = passwordProblems({ password: input.newPassword, username: user.username, email: user.email });
  if (problems.length) return { ok: false, errors: { new_password: problems } };
  const passwordHash = await hashPassword(input.newPassword);
  return writeTransaction((tx) => {
    tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id)).run();
    revokeUserSessions(user.id, { tx, exceptSessionId: input.sessionId });
    return { ok: true, emailId: queueEmail(tx, changedNotice(user, "change")) };
  });
}
