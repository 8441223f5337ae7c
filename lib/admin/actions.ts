import "server-only";
import { eq } from "drizzle-orm";
import { accountLock, lockFor, writeTransaction, type Queryable } from "@/lib/db";
import { passkeys, recoveryCodes, totpCredentials, users, type User } from "@/db/schema";
import { endAppAccess } from "@/lib/account/app-access";
import { eraseAccount } from "@/lib/account/erasure";
import { NO_CLIENT, recordSecurityEventIn } from "@/lib/auth/activity";
import { retireCredentials } from "@/lib/auth/credentials";
import { queueVerificationEmail } from "@/lib/auth/email-verification";
import { revokeUserSessions } from "@/lib/auth/session";
import { secondFactorResetEmail } from "@/lib/email/account-templates";
import { queueEmail } from "@/lib/email/send";
import { getEnv } from "@/lib/env";
import type { SecurityEventType } from "@/db/security-event-types";
import { recordAdminActionIn, type AuditActor, type AuditInput } from "./audit";
import { isLastAdmin } from "./roles";
import { getAdminUser, type AdminUser } from "./users";

// What an administrator can do to an account (docs/api.md, administration). Each action
// is one transaction with its audit entry and the owner's activity entry ("An
// administrator disabled your account": the owner sees what, never the administrator's
// address), so none happens unrecorded.

type Admin = Extract<AuditActor, { kind: "admin" }>;

/** An action's outcome: done, or refused: no such account, or `Refusal`. */
export type ActionResult<T = { user: AdminUser }, Refusal extends string = never> =
  | ({ ok: true } & T)
  | { ok: false; reason: "not_found" | Refusal };

/** Run `act` on the target inside one transaction, then record it (audit and owner's activity). */
function onUser<T extends object, Refusal extends string = never>(
  targetId: number,
  run: (tx: Queryable, user: User) => Promise<{ refused: Refusal } | { audit: Omit<AuditInput, "actor" | "target"> & { event: SecurityEventType; detail?: Record<string, unknown> }; result: T } | { unchanged: T }>,
  actor: Admin,
  now: number,
): Promise<ActionResult<T, Refusal>> {
  return writeTransaction(async (tx): Promise<ActionResult<T, Refusal>> => {
    // The target row read here decides the action (not found, already disabled or enabled:
    // unchanged and unaudited): actions on one account, its erasure and its role changes
    // take turns on its lock, and read it after (docs/decisions/026). A sign-in racing a
    // disable loses on the users row: startSession's conditional update waits for the
    // disable's and then finds the version moved (lib/auth/credentials.ts).
    await lockFor(tx, accountLock(targetId));
    const [user] = await tx.select().from(users).where(eq(users.id, targetId));
    if (!user) return { ok: false, reason: "not_found" };
    const outcome = await run(tx, user);
    if ("refused" in outcome) return { ok: false, reason: outcome.refused };
    if ("unchanged" in outcome) return { ok: true, ...outcome.unchanged };
    const { event, detail, ...audit } = outcome.audit;
    await recordAdminActionIn(tx, { ...audit, actor, target: { id: user.id, email: user.email } }, now);
    await recordSecurityEventIn(tx, { userId: user.id, type: event, client: NO_CLIENT, detail: detail ?? {} }, now);
    return { ok: true, ...outcome.result };
  });
}

const described = async (tx: Queryable, id: number) => ({ user: (await getAdminUser(tx, id))! });

/**
 * Disable: no sign-in by any method from now on (completeSignIn, startSession and every
 * authenticated request check users.disabled_at), every session ends in this
 * transaction, and with them reset links and mfa tokens (lib/auth/credentials.ts) and
 * what the account gave other apps (lib/account/app-access.ts).
 */
export function disableUser(input: { targetId: number; actor: Admin; reason: string }, now = Date.now()) {
  return onUser<{ user: AdminUser }, "last_admin">(
    input.targetId,
    async (tx, user) => {
      if (user.disabledAt) return { unchanged: await described(tx, user.id) };
      // Two administrators disabling each other at once leave one (the lock in isLastAdmin).
      if (await isLastAdmin(tx, user)) return { refused: "last_admin" as const };
      await retireCredentials(tx, { userId: user.id, change: "account_disabled", set: { disabledAt: new Date(now) }, now });
      await endAppAccess(tx, user.id, "disabled");
      return { audit: { action: "user_disabled" as const, reason: input.reason, event: "admin_disabled" as const }, result: await described(tx, user.id) };
    },
    input.actor,
    now,
  );
}

export function enableUser(input: { targetId: number; actor: Admin; reason?: string | null }, now = Date.now()) {
  return onUser<{ user: AdminUser }>(
    input.targetId,
    async (tx, user) => {
      if (!user.disabledAt) return { unchanged: await described(tx, user.id) };
      await tx.update(users).set({ disabledAt: null, updatedAt: new Date(now) }).where(eq(users.id, user.id));
      return { audit: { action: "user_enabled" as const, reason: input.reason, event: "admin_enabled" as const }, result: await described(tx, user.id) };
    },
    input.actor,
    now,
  );
}

/** End every session of the account; how many ended. */
export function revokeSessionsOf(input: { targetId: number; actor: Admin; reason?: string | null }, now = Date.now()) {
  return onUser(
    input.targetId,
    async (tx, user) => {
      const revoked = await revokeUserSessions(user.id, { tx, now });
      return { audit: { action: "sessions_revoked" as const, reason: input.reason, event: "admin_sessions_revoked" as const, detail: { count: revoked } }, result: { revoked } };
    },
    input.actor,
    now,
  );
}

/**
 * For a user who lost their device: TOTP, recovery codes and passkeys go, every session
 * ends (a credential change: lib/auth/credentials.ts), and the owner is told by email.
 */
export function resetSecondFactor(input: { targetId: number; actor: Admin; reason?: string | null }, now = Date.now()) {
  return onUser(
    input.targetId,
    async (tx, user) => {
      await tx.delete(totpCredentials).where(eq(totpCredentials.userId, user.id));
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
      const keys = await tx.delete(passkeys).where(eq(passkeys.userId, user.id)).returning({ id: passkeys.id });
      await retireCredentials(tx, { userId: user.id, change: "second_factor_reset", now });
      const appUrl = getEnv().APP_URL;
      await queueEmail(
        tx,
        secondFactorResetEmail({ to: user.email, username: user.username, profileUrl: `${appUrl}/profile/security/`, resetUrl: `${appUrl}/reset-password/` }),
        "notice",
        now,
      );
      return {
        audit: { action: "second_factor_reset" as const, reason: input.reason, event: "admin_second_factor_reset" as const, detail: { passkeys_removed: keys.length } },
        result: await described(tx, user.id),
      };
    },
    input.actor,
    now,
  );
}

/** A new verification link for an unverified address (capped like every request for one); nothing for a verified one. */
export function resendVerificationOf(input: { targetId: number; actor: Admin; reason?: string | null }, now = Date.now()) {
  return onUser(
    input.targetId,
    async (tx, user) => {
      // The hourly cap is counted under the mailbox's lock (queueVerificationEmail); a
      // verification racing this sends a link to a verified address, which says so.
      if (!user.emailVerified) await queueVerificationEmail(tx, user, now);
      return { audit: { action: "verification_resent" as const, reason: input.reason, event: "admin_verification_resent" as const }, result: {} };
    },
    input.actor,
    now,
  );
}

/** The erasure of DELETE /api/auth/me/, recorded in the audit. */
export function deleteUser(input: { targetId: number; actor: Admin; reason?: string | null }, now = Date.now()) {
  return eraseAccount({ userId: input.targetId, by: { kind: "admin", actor: input.actor, reason: input.reason } }, now);
}
