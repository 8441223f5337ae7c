import "server-only";
import { writeTransaction, type Queryable } from "@/lib/db";
import type { User } from "@/db/schema";
import { emailCapSpent, queueEmail } from "@/lib/email/send";
import { claimAccountEmail } from "@/lib/email/templates";
import { consumeVerificationTokens, queueVerificationEmail } from "./email-verification";
import { issueResetLink, RESET_TOKEN_TTL_SECONDS } from "./password-reset";
import { getUserByEmail, getUserById } from "./user";

// What an unverified address gets when someone who may not have started the account asks
// about it (docs/decisions/011). A verification link confirms whatever password the
// account was started with, perhaps a squatter's; a claim link (a reset link) makes
// whoever holds the mailbox set the password instead, and ends everything else.

/**
 * Queue a claim link for `user`: every outstanding verification link is spent first,
 * even when the address's hourly cap then holds the claim back, so links a squatter had
 * sent into the owner's mailbox stop working the moment the owner shows up. Returns the
 * email's id, or null when the cap is spent. Call inside a write transaction.
 */
export async function queueClaimEmail(
  tx: Queryable,
  user: Pick<User, "id" | "email">,
  reason: "registration" | "resend",
  now = Date.now(),
): Promise<number | null> {
  await consumeVerificationTokens(tx, user.id, now);
  if (await emailCapSpent(tx, user.email, now)) return null;
  const link = await issueResetLink(tx, user, now);
  return queueEmail(tx, claimAccountEmail({ to: user.email, link, validForSeconds: RESET_TOKEN_TTL_SECONDS, reason }), "request", now);
}

/**
 * A new email for an unverified account (POST /api/auth/verify-email/resend/). Asked by
 * address, anyone may be asking: the address gets a claim link. Asked with a Bearer
 * token, the signed-in holder of the password asks: a verification link. Does nothing,
 * silently, for unknown or verified accounts: the caller answers the same either way.
 */
export async function queueVerificationResend(target: { email: string } | { userId: number }): Promise<number | null> {
  const user = "email" in target ? await getUserByEmail(target.email) : await getUserById(target.userId);
  if (!user || user.emailVerified) return null;
  return writeTransaction((tx) => ("email" in target ? queueClaimEmail(tx, user, "resend") : queueVerificationEmail(tx, user)));
}
