import "server-only";
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { accountLock, getDb, lockFor, writeTransaction, type Queryable } from "@/lib/db";
import type { PendingEmailChange as PendingEmailChangeBody } from "@/lib/api-schemas";
import { emailChanges, emailVerificationTokens, socialAccounts, users, type EmailChange, type User } from "@/db/schema";
import { NO_CLIENT, recordSecurityEventIn, type Client } from "@/lib/auth/activity";
import { retireCredentials } from "@/lib/auth/credentials";
import { emailIs, identityKey } from "@/lib/auth/user";
import { randomToken, sha256 } from "@/lib/crypto";
import { emailChangeConfirmationEmail, emailChangeNoticeEmail, emailChangeUndoneEmail } from "@/lib/email/account-templates";
import { emailCapSpent, mailboxLock, queueEmail } from "@/lib/email/send";
import { registrationAttemptEmail } from "@/lib/email/templates";
import { getEnv } from "@/lib/env";
import { LinkTokenSchema } from "@/lib/validation";

// A change of the account's email address (docs/api.md, the account's own lifecycle;
// docs/decisions/050). Nothing changes until the new address proves itself: its link is
// the verification page's, so the same page (nothing happens until its button) confirms
// it. The current address hears of it at once, masked, with a link that cancels the
// change, or undoes it if it was already confirmed, and signs out every session.
//
// An address that already has an account must not be told apart by whoever asks: it gets
// only the "someone tried to register" notice, and the request is recorded like any other
// (a pending change whose confirmation token was never sent), so the answer, the profile's
// pending state and the current address's notice are the same.

/** How long the current address's "this wasn't me" link works, also after the change is confirmed. */
export const CANCEL_LINK_TTL_SECONDS = 7 * 24 * 60 * 60;

const pending = (userId: number) => and(eq(emailChanges.userId, userId), isNull(emailChanges.confirmedAt), isNull(emailChanges.cancelledAt));

/**
 * Ask to change `user`'s address to `newEmail`, from `sessionId` (the only session the
 * change will keep). Past the new address's hourly cap nothing is recorded or sent (the
 * pending change the owner may hold stays as it is); the caller answers 202 either way.
 */
export function requestEmailChange(input: { user: User; sessionId: string; newEmail: string; client: Client }, now = Date.now()): Promise<void> {
  return writeTransaction(async (tx) => {
    // Two requests of one account must not both supersede the older change and each leave
    // a pending one: they take turns on the account's lock (docs/decisions/026).
    await lockFor(tx, accountLock(input.user.id));
    const [user] = await tx.select().from(users).where(eq(users.id, input.user.id));
    // The address it has already: there is nothing to confirm.
    if (!user || identityKey(input.newEmail) === user.emailKey) return;
    // Counted under the new address's mailbox lock, held to the commit (lib/email/send.ts).
    if (await emailCapSpent(tx, input.newEmail, now)) return;

    const env = getEnv();
    const token = randomToken(32);
    const cancelToken = randomToken(32);
    // Whether the new address has an account decides which mail goes. A registration of it
    // committed after this read finds a pending change that its confirmation will refuse
    // (confirmEmailChangeIn reads the address again, under the mailbox's lock).
    const [owner] = await tx.select({ id: users.id, email: users.email, username: users.username }).from(users).where(emailIs(input.newEmail));
    await tx.update(emailChanges).set({ cancelledAt: new Date(now) }).where(pending(user.id));
    await tx.insert(emailChanges).values({
      userId: user.id,
      oldEmail: user.email,
      oldEmailVerified: user.emailVerified,
      newEmail: input.newEmail,
      tokenHash: sha256(token),
      cancelTokenHash: sha256(cancelToken),
      sessionId: input.sessionId,
      createdAt: new Date(now),
      expiresAt: new Date(now + env.VERIFICATION_TOKEN_TTL * 1000),
      cancelExpiresAt: new Date(now + CANCEL_LINK_TTL_SECONDS * 1000),
    });
    const toNew = owner
      ? registrationAttemptEmail({ to: owner.email, username: owner.username, loginUrl: `${env.APP_URL}/login/` })
      : emailChangeConfirmationEmail({
          to: input.newEmail,
          username: user.username,
          link: `${env.APP_URL}/verify-email/?token=${encodeURIComponent(token)}`,
          validForSeconds: env.VERIFICATION_TOKEN_TTL,
        });
    // Counted toward the new address's cap (anyone with a session could aim it at a stranger).
    await queueEmail(tx, toNew, "request", now);
    // A notice, never held back: whoever filled the current address's cap must not silence it.
    await queueEmail(
      tx,
      emailChangeNoticeEmail({
        to: user.email,
        username: user.username,
        newAddress: input.newEmail,
        cancelUrl: `${env.APP_URL}/email-change/cancel/?token=${encodeURIComponent(cancelToken)}`,
        validForSeconds: CANCEL_LINK_TTL_SECONDS,
      }),
      "notice",
      now,
    );
    await recordSecurityEventIn(tx, { userId: user.id, type: "email_change_requested", client: input.client, detail: { to: input.newEmail } }, now);
  });
}

/** The change waiting for its link, for the profile. */
export type PendingEmailChange = PendingEmailChangeBody["pending"];

export async function pendingEmailChange(userId: number, now = Date.now()): Promise<PendingEmailChange> {
  const [row] = await getDb()
    .select({ email: emailChanges.newEmail, expiresAt: emailChanges.expiresAt })
    .from(emailChanges)
    .where(and(pending(userId), gt(emailChanges.expiresAt, new Date(now))))
    .orderBy(desc(emailChanges.id))
    .limit(1);
  return row ? { email: row.email, expires_at: row.expiresAt.toISOString() } : null;
}

/** The owner changed their mind on the profile: the pending link stops working. True when there was one. */
export async function withdrawEmailChange(userId: number, now = Date.now()): Promise<boolean> {
  const withdrawn = await getDb().update(emailChanges).set({ cancelledAt: new Date(now) }).where(pending(userId)).returning({ id: emailChanges.id });
  return withdrawn.length > 0;
}

async function findByToken(q: Queryable, column: typeof emailChanges.tokenHash | typeof emailChanges.cancelTokenHash, token: string): Promise<EmailChange | null> {
  const [row] = await q.select().from(emailChanges).where(eq(column, sha256(token))).limit(1);
  return row ?? null;
}

/**
 * The change a link names, read again once the transaction holds its account's lock and
 * the lock of the mailbox it would move the account onto (docs/decisions/026): uses of one
 * account's links, its other changes and its erasure take turns, so a link works once; and
 * a registration of that address waits, so the check that nobody has it still holds at
 * the update (else the unique index would fail it). Null when no change has that token.
 */
async function lockedByToken(
  tx: Queryable,
  column: typeof emailChanges.tokenHash | typeof emailChanges.cancelTokenHash,
  token: string,
  onto: (row: EmailChange) => string[],
): Promise<EmailChange | null> {
  const found = await findByToken(tx, column, token);
  if (!found) return null;
  await lockFor(tx, accountLock(found.userId), ...onto(found).map(mailboxLock));
  return findByToken(tx, column, token);
}

/** Verification links went to the address the account had: none of them may confirm the one it has now. */
const consumeVerificationTokens = (tx: Queryable, userId: number, now: number) =>
  tx.update(emailVerificationTokens).set({ usedAt: new Date(now) }).where(and(eq(emailVerificationTokens.userId, userId), isNull(emailVerificationTokens.usedAt)));

const usable = (row: EmailChange, now: number) => row.confirmedAt === null && row.cancelledAt === null && row.expiresAt.getTime() > now;

/** What a change link's page shows before its button: null when the token is not a change's. */
export async function checkEmailChangeLink(token: string, now = Date.now()): Promise<{ ok: true; state: "ready" | "verified" } | { ok: false } | null> {
  const row = await findByToken(getDb(), emailChanges.tokenHash, token);
  if (!row) return null;
  if (usable(row, now)) return { ok: true, state: "ready" };
  return (await isConfirmedAndCurrent(getDb(), row)) ? { ok: true, state: "verified" } : { ok: false };
}

/** The change was made and the account still has that address: a second click is told so. */
async function isConfirmedAndCurrent(q: Queryable, row: EmailChange): Promise<boolean> {
  if (!row.confirmedAt) return false;
  const [user] = await q.select({ emailKey: users.emailKey }).from(users).where(eq(users.id, row.userId));
  return user?.emailKey === identityKey(row.newEmail);
}

/**
 * Use a change's confirmation link, inside the verification's transaction (lib/auth/
 * email-verification.ts): null when the token is not a change's. Sets the address,
 * verified; ends every session but the one that asked, spends reset links (they went to
 * the old address), verification links and mfa tokens (lib/auth/credentials.ts); removes
 * the providers that only the old address tied to the account (docs/decisions/051).
 */
export async function confirmEmailChangeIn(
  tx: Queryable,
  token: string,
  options: { again?: "verified" | "invalid"; client: Client },
  now = Date.now(),
): Promise<{ ok: true; userId: number } | { ok: false } | null> {
  const row = await lockedByToken(tx, emailChanges.tokenHash, token, (found) => [found.newEmail]);
  if (!row) return null;
  if (!usable(row, now)) {
    return options.again === "verified" && (await isConfirmedAndCurrent(tx, row)) ? { ok: true, userId: row.userId } : { ok: false };
  }
  const [user] = await tx.select().from(users).where(eq(users.id, row.userId));
  const [taken] = await tx.select({ id: users.id }).from(users).where(emailIs(row.newEmail));
  // The account's address moved since the request (another change, an undo), or the new
  // address got an account meanwhile (the confirmation of a taken address was never sent).
  if (!user || user.emailKey !== identityKey(row.oldEmail) || taken) {
    await tx.update(emailChanges).set({ cancelledAt: new Date(now) }).where(eq(emailChanges.id, row.id));
    return { ok: false };
  }
  await retireCredentials(tx, {
    userId: user.id,
    change: "email_changed",
    set: { email: row.newEmail, emailKey: identityKey(row.newEmail), emailVerified: true },
    keepSessionId: row.sessionId ?? undefined,
    now,
  });
  await tx.update(emailChanges).set({ confirmedAt: new Date(now) }).where(eq(emailChanges.id, row.id));
  await tx.update(emailChanges).set({ cancelledAt: new Date(now) }).where(pending(user.id));
  await consumeVerificationTokens(tx, user.id, now);
  const removed = await removeProvidersOfOldAddress(tx, user.id, row.oldEmail);
  await recordSecurityEventIn(
    tx,
    { userId: user.id, type: "email_changed", client: options.client, detail: { from: row.oldEmail, to: row.newEmail, ...(removed.length ? { providers_removed: removed } : {}) } },
    now,
  );
  return { ok: true, userId: user.id };
}

/**
 * A provider whose own address was the old one is kept only when the provider verified
 * that address (docs/decisions/051): an unverified one says nothing about who holds the
 * provider account, and the old address, now free, no longer vouches for it either.
 */
async function removeProvidersOfOldAddress(tx: Queryable, userId: number, oldEmail: string): Promise<string[]> {
  const linked = await tx.select().from(socialAccounts).where(eq(socialAccounts.userId, userId));
  const gone = linked.filter((a) => a.email !== null && identityKey(a.email) === identityKey(oldEmail) && a.profile.email_verified !== true);
  for (const account of gone) await tx.delete(socialAccounts).where(eq(socialAccounts.id, account.id));
  return gone.map((a) => a.provider);
}

export type CancelEmailChangeResult = { ok: true; reverted: boolean } | { ok: false; reason: "invalid_or_expired" };

/**
 * The current address's "this wasn't me" (POST /api/auth/email/change/cancel/): the
 * change stops; if it was confirmed already and the account still has the new address,
 * the old one comes back (when nobody took it meanwhile). Every session ends either way,
 * with the reset links and mfa tokens, so whoever asked is out. An undo tells the address
 * it took the account off (docs/decisions/050).
 */
export async function cancelEmailChange(token: unknown, client: Client = NO_CLIENT, now = Date.now()): Promise<CancelEmailChangeResult> {
  const parsed = LinkTokenSchema.safeParse(token);
  if (!parsed.success) return { ok: false, reason: "invalid_or_expired" };
  return writeTransaction(async (tx): Promise<CancelEmailChangeResult> => {
    const row = await lockedByToken(tx, emailChanges.cancelTokenHash, parsed.data, (found) => [found.oldEmail]);
    if (!row || row.cancelUsedAt || row.cancelExpiresAt.getTime() <= now) return { ok: false, reason: "invalid_or_expired" };
    const at = new Date(now);
    await tx.update(emailChanges).set({ cancelUsedAt: at }).where(eq(emailChanges.id, row.id));
    await tx.update(emailChanges).set({ cancelledAt: at }).where(pending(row.userId));
    const [user] = await tx.select().from(users).where(eq(users.id, row.userId));
    if (!user) return { ok: false, reason: "invalid_or_expired" };
    const [oldTaken] = await tx.select({ id: users.id }).from(users).where(emailIs(row.oldEmail));
    const revert = row.confirmedAt !== null && user.emailKey === identityKey(row.newEmail) && !oldTaken;
    await retireCredentials(tx, {
      userId: user.id,
      change: "email_changed",
      set: revert ? { email: row.oldEmail, emailKey: identityKey(row.oldEmail), emailVerified: row.oldEmailVerified } : undefined,
      now,
    });
    if (revert) {
      await consumeVerificationTokens(tx, user.id, now);
      // The new address proved itself and held the account; it hears that it lost it, in
      // the same transaction as the undo (a notice: never held back by a cap).
      await queueEmail(
        tx,
        emailChangeUndoneEmail({ to: user.email, username: user.username, oldAddress: row.oldEmail, loginUrl: `${getEnv().APP_URL}/login/` }),
        "notice",
        now,
      );
    }
    await recordSecurityEventIn(tx, { userId: user.id, type: "email_change_cancelled", client, detail: { to: row.newEmail, reverted: revert } }, now);
    return { ok: true, reverted: revert };
  });
}
