import "server-only";
import { eq, inArray } from "drizzle-orm";
import { accountLock, lockFor, writeTransaction, type Queryable } from "@/lib/db";
import { emailChanges, emails, users, type User } from "@/db/schema";
import { revokeUserSessions } from "@/lib/auth/session";
import { deleteAccountLimits } from "@/lib/auth/rate-limit";
import { identityKey } from "@/lib/auth/user";
import { recordAdminActionIn, type AuditActor } from "@/lib/admin/audit";
import { isLastAdmin } from "@/lib/admin/roles";
import { accountDeletedEmail } from "@/lib/email/account-templates";
import { mailboxKey, queueEmail } from "@/lib/email/send";
import { getEnv } from "@/lib/env";
import { endAppAccess } from "./app-access";

// Erasing an account (DELETE /api/auth/me/ and DELETE /api/admin/users/<id>/; docs/api.md;
// GDPR article 17; docs/decisions/052). One transaction: either all of it is gone or none.
//
// What goes: the users row, and with it (ON DELETE CASCADE on both databases) its
// providers, sessions and their refresh tokens and re-authentications, verification, reset
// and mfa tokens, TOTP secret, recovery codes, passkeys, WebAuthn challenges, security
// activity and email changes; the outbox's messages to its addresses (current and those
// of its email changes); the lockout rows of the limiters' table keyed by its address.
// What stays: the administrators' audit (who did what to which id and address, a year),
// and the goodbye message until it is delivered: it is queued before the row goes and
// needs nothing of it (the outbox has no reference to users), then deleted once sent.

export type Erasure =
  | { ok: true }
  | { ok: false; reason: "not_found" | "last_admin" | "confirmation_mismatch" };

/**
 * Erase `userId`. `by` is the owner (who typed the address: `confirm`) or an
 * administrator (recorded in the audit, with `reason`). Refused for the last
 * administrator who can act (lib/admin/roles.ts).
 */
export function eraseAccount(
  input: { userId: number; by: { kind: "owner"; confirm: string } | { kind: "admin"; actor: AuditActor; reason?: string | null } },
  now = Date.now(),
): Promise<Erasure> {
  return writeTransaction(async (tx): Promise<Erasure> => {
    // A burst of deletes erases once, with one goodbye: erasures, address and role changes
    // and administrators' actions of one account take turns on its lock, and read it after.
    await lockFor(tx, accountLock(input.userId));
    const [user] = await tx.select().from(users).where(eq(users.id, input.userId));
    if (!user) return { ok: false, reason: "not_found" };
    if (input.by.kind === "owner" && identityKey(input.by.confirm.trim()) !== user.emailKey) return { ok: false, reason: "confirmation_mismatch" };
    if (await isLastAdmin(tx, user)) return { ok: false, reason: "last_admin" };

    const addresses = await addressesOf(tx, user);
    // Sessions end first, where every ending of a session is seen (the provider's
    // sessions will end with them), then what the account gave other apps.
    await revokeUserSessions(user.id, { tx, now });
    await endAppAccess(tx, user.id, "deleted");
    if (input.by.kind === "admin") {
      await recordAdminActionIn(tx, { action: "user_deleted", actor: input.by.actor, target: { id: user.id, email: user.email }, reason: input.by.reason }, now);
    }
    await tx.delete(users).where(eq(users.id, user.id));
    // The outbox after the row is gone: a transaction that queued a mail about the account
    // (a reset link, a notice) wrote a row that references it (a token, an event), so the
    // delete above waited for it to commit, and its mail is found here; one that comes after
    // fails on the missing user. So no mail to the account's addresses outlives it.
    await forgetMessagesTo(tx, addresses);
    // The limiter's rows keyed by any of them (an address changed away is in them too).
    for (const address of addresses) await deleteAccountLimits(tx, address);
    await queueEmail(
      tx,
      accountDeletedEmail({ to: user.email, username: user.username, by: input.by.kind === "owner" ? "owner" : "administrator", registerUrl: `${getEnv().APP_URL}/register/` }),
      "notice",
      now,
      { forgetAfterDelivery: true },
    );
    return { ok: true };
  });
}

/**
 * Every address the account had or asked for, but those another account has now (a
 * change aimed at a taken address sent that account's owner a notice: theirs, not this
 * account's): the outbox holds messages to each.
 */
async function addressesOf(tx: Queryable, user: User): Promise<string[]> {
  const changes = await tx.select({ oldEmail: emailChanges.oldEmail, newEmail: emailChanges.newEmail }).from(emailChanges).where(eq(emailChanges.userId, user.id));
  const others = [...new Set(changes.flatMap((c) => [c.oldEmail, c.newEmail]).filter((a) => identityKey(a) !== user.emailKey))];
  const taken = others.length
    ? new Set((await tx.select({ key: users.emailKey }).from(users).where(inArray(users.emailKey, others.map(identityKey)))).map((r) => r.key))
    : new Set<string>();
  return [user.email, ...others.filter((a) => !taken.has(identityKey(a)))];
}

/**
 * Delete the outbox's messages to these addresses. Found by the cap's mailbox key, then
 * kept to the exact addresses (case aside): `victim+tag@` shares the key but may be
 * another account's.
 */
async function forgetMessagesTo(tx: Queryable, addresses: string[]): Promise<void> {
  const keys = new Set(addresses.map(identityKey));
  const candidates = await tx
    .select({ id: emails.id, to: emails.to })
    .from(emails)
    .where(inArray(emails.recipientKey, [...new Set(addresses.map(mailboxKey))]));
  const ids = candidates.filter((m) => keys.has(identityKey(m.to))).map((m) => m.id);
  for (let i = 0; i < ids.length; i += 500) await tx.delete(emails).where(inArray(emails.id, ids.slice(i, i + 500)));
}
