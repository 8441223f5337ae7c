import "server-only";
import { and, count, eq, isNull, lt, or } from "drizzle-orm";
import { getDb, type Queryable, writeTransaction } from "@/lib/db";
import { recoveryCodes, totpCredentials, type User } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { recordAndNotifyIn, type Client } from "../activity";
import { retireCredentials } from "../credentials";
import { deviceOf, type DeviceClaim } from "../device";
import { recordReauthenticationIn } from "../session";
import { checkAccountSecret } from "../rate-limit";
import { hashRecoveryCode, matchRecoveryCode, newRecoveryCodes } from "./recovery-codes";
import { needsReseal, openSecret, sealSecret } from "./secret-box";
import { encodeTotpSecret, matchTotpStep, newTotpSecret, TOTP_CODE_PATTERN, totpUri } from "./totp";

// TOTP with recovery codes (docs/api.md, second factor): setup, confirm, turn off, new
// recovery codes, and the check of a code that mfa/verify will use. Every check of a
// code spends the account's budget like a password does (docs/security.md, abuse
// limits): a wrong code, a replayed one and a spent recovery code all count.

export type CodeCheck =
  | { ok: true; method: "totp" | "recovery_code" }
  | { ok: false; reason: "invalid_code" }
  | { ok: false; reason: "locked"; retryAfter: number };

type Locked = { ok: false; reason: "locked"; retryAfter: number };

/** The AAD of a user's sealed secret: a box copied to another user's row does not open. */
const secretContext = (userId: number) => `totp:${userId}`;

async function totpCredentialOf(userId: number) {
  const [row] = await getDb().select().from(totpCredentials).where(eq(totpCredentials.userId, userId)).limit(1);
  return row ?? null;
}

/** True when the user has TOTP on (confirmed). */
export async function hasTotp(userId: number): Promise<boolean> {
  return Boolean((await totpCredentialOf(userId))?.confirmedAt);
}

export async function recoveryCodesLeft(userId: number): Promise<number> {
  const [row] = await getDb()
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return row?.n ?? 0;
}

export type TotpSetup = { ok: true; secret: string; otpauthUri: string } | { ok: false; reason: "already_enabled" };

/** A new secret, sealed and stored unconfirmed; it replaces an earlier unconfirmed one. */
export async function startTotpSetup(user: User): Promise<TotpSetup> {
  const secret = newTotpSecret();
  const encryptedSecret = await sealSecret(secret, secretContext(user.id));
  const now = new Date();
  const stored = await getDb()
    .insert(totpCredentials)
    .values({ userId: user.id, encryptedSecret, createdAt: now })
    .onConflictDoUpdate({
      target: totpCredentials.userId,
      set: { encryptedSecret, createdAt: now, lastUsedStep: null },
      // A confirmed credential is never replaced here: turning it off takes a code.
      setWhere: isNull(totpCredentials.confirmedAt),
    })
    .returning({ userId: totpCredentials.userId });
  if (stored.length === 0) return { ok: false, reason: "already_enabled" };
  return {
    ok: true,
    secret: encodeTotpSecret(secret),
    otpauthUri: totpUri({ secret, issuer: getEnv().APP_NAME, account: user.email }),
  };
}

/**
 * Accept a TOTP code once: the step it matched is claimed with a conditional update, so
 * a replay of that step or an earlier one, even in a parallel request, is refused.
 */
async function claimTotpCode(userId: number, code: string, state: "confirmed" | "pending", now: number): Promise<boolean> {
  const credential = await totpCredentialOf(userId);
  if (!credential || (state === "confirmed") !== Boolean(credential.confirmedAt)) return false;
  const opened = await openSecret(credential.encryptedSecret, secretContext(userId));
  if (!opened.ok) {
    // Configuration, not the user: the root secret that sealed it is no longer configured.
    log.error("a TOTP secret could not be opened", { userId, reason: opened.reason });
    return false;
  }
  const step = matchTotpStep(opened.plain, code, now, credential.lastUsedStep);
  if (step === null) return false;
  // Moved to the current sealing root on use, in the same write (docs/decisions/018).
  const encryptedSecret = (await needsReseal(credential.encryptedSecret)) ? await sealSecret(opened.plain, secretContext(userId)) : credential.encryptedSecret;
  const claimed = await getDb()
    .update(totpCredentials)
    .set({ lastUsedStep: step, encryptedSecret })
    .where(
      and(
        eq(totpCredentials.userId, userId),
        // The same secret that was checked: a setup that replaced it meanwhile wins.
        eq(totpCredentials.encryptedSecret, credential.encryptedSecret),
        or(isNull(totpCredentials.lastUsedStep), lt(totpCredentials.lastUsedStep, step)),
      ),
    )
    .returning({ userId: totpCredentials.userId });
  return claimed.length === 1;
}

/** Spend one unused recovery code of the user that `input` matches. */
async function claimRecoveryCode(userId: number, input: string, now: number): Promise<boolean> {
  const unused = await getDb()
    .select({ id: recoveryCodes.id, codeHash: recoveryCodes.codeHash })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  const id = matchRecoveryCode(input, unused);
  if (id === null) return false;
  const claimed = await getDb()
    .update(recoveryCodes)
    .set({ usedAt: new Date(now) })
    .where(and(eq(recoveryCodes.id, id), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return claimed.length === 1;
}

/** Which codes a check takes: a TOTP code, a recovery code, or either (six digits are TOTP). */
export type CodeKind = "totp" | "recovery_code" | "either";

/**
 * Check a code of a user with TOTP on, within the account's budget: with `accept:
 * "either"`, six digits are a TOTP code and anything else a recovery code.
 */
export async function checkSecondFactorCode(
  user: User,
  code: string,
  options: { accept: CodeKind; now?: number; device?: DeviceClaim | null },
): Promise<CodeCheck> {
  const now = options.now ?? Date.now();
  const method = options.accept === "either" ? (TOTP_CODE_PATTERN.test(code) ? "totp" : "recovery_code") : options.accept;
  // The second step of a login from the owner's known device spends that device's budget, as its password did.
  const device = await deviceOf(options.device, user);
  if (method === "totp" && !TOTP_CODE_PATTERN.test(code)) {
    // Not a code at all: still charged, so malformed guesses are no free probe.
    const checked = await checkAccountSecret(user.email, async () => false, { device });
    return checked.locked ? { ok: false, reason: "locked", retryAfter: checked.retryAfter } : { ok: false, reason: "invalid_code" };
  }
  const checked = await checkAccountSecret(
    user.email,
    () => (method === "totp" ? claimTotpCode(user.id, code, "confirmed", now) : claimRecoveryCode(user.id, code, now)),
    { device },
  );
  if (checked.locked) return { ok: false, reason: "locked", retryAfter: checked.retryAfter };
  return checked.passed ? { ok: true, method } : { ok: false, reason: "invalid_code" };
}

/**
 * Re-seal every TOTP secret that is not under the current sealing root (at startup: a
 * few rows), so that a root about to be dropped (a rotated signing key, an old
 * MFA_ENCRYPTION_KEY entry) holds nothing any more. A box no configured root opens is
 * counted, never touched: putting its root back restores it.
 */
export async function resealTotpSecrets(): Promise<{ resealed: number; unreadable: number }> {
  const rows = await getDb().select({ userId: totpCredentials.userId, encryptedSecret: totpCredentials.encryptedSecret }).from(totpCredentials);
  let resealed = 0;
  let unreadable = 0;
  for (const row of rows) {
    if (!(await needsReseal(row.encryptedSecret))) continue;
    const opened = await openSecret(row.encryptedSecret, secretContext(row.userId));
    if (!opened.ok) {
      unreadable += 1;
      continue;
    }
    const moved = await getDb()
      .update(totpCredentials)
      .set({ encryptedSecret: await sealSecret(opened.plain, secretContext(row.userId)) })
      // Unless a sign-in or a new setup changed it meanwhile.
      .where(and(eq(totpCredentials.userId, row.userId), eq(totpCredentials.encryptedSecret, row.encryptedSecret)))
      .returning({ userId: totpCredentials.userId });
    resealed += moved.length;
  }
  return { resealed, unreadable };
}

/** Replace every recovery code of the user with ten new ones; returns them in the clear, once. */
async function replaceRecoveryCodesIn(tx: Queryable, userId: number, now: number): Promise<string[]> {
  const codes = newRecoveryCodes();
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx.insert(recoveryCodes).values(codes.map((code) => ({ userId, codeHash: hashRecoveryCode(code), createdAt: new Date(now) })));
  return codes;
}

type Refused = { ok: false; reason: "no_setup" } | { ok: false; reason: "invalid_code" } | Locked;

export type RecoveryCodesResult = { ok: true; recoveryCodes: string[] } | Refused;

/**
 * The first code from the app turns TOTP on and gives the ten recovery codes. The code
 * just typed is a proof by the new factor: the session that confirms counts it as a
 * recent one (lib/auth/reauth.ts), so adding a passkey next needs no second prompt.
 */
export async function confirmTotpSetup(input: { user: User; code: string; client: Client; sessionId?: string }, now = Date.now()): Promise<RecoveryCodesResult> {
  const { user } = input;
  const credential = await totpCredentialOf(user.id);
  if (!credential || credential.confirmedAt) return { ok: false, reason: "no_setup" };
  const checked = await checkAccountSecret(user.email, () => claimTotpCode(user.id, input.code, "pending", now));
  if (checked.locked) return { ok: false, reason: "locked", retryAfter: checked.retryAfter };
  if (!checked.passed) return { ok: false, reason: "invalid_code" };
  const done = await writeTransaction(async (tx) => {
    const confirmed = await tx
      .update(totpCredentials)
      .set({ confirmedAt: new Date(now) })
      .where(and(eq(totpCredentials.userId, user.id), isNull(totpCredentials.confirmedAt)))
      .returning({ userId: totpCredentials.userId });
    // A parallel confirmation got there first and holds the codes.
    if (confirmed.length === 0) return null;
    // Sign-ins in flight were proven without a code: none of them finishes now.
    await retireCredentials(tx, { userId: user.id, change: "totp_enabled", now });
    if (input.sessionId) await recordReauthenticationIn(tx, input.sessionId, "totp", now);
    const codes = await replaceRecoveryCodesIn(tx, user.id, now);
    await recordAndNotifyIn(tx, { user, event: { type: "mfa_enabled", client: input.client, detail: { method: "totp" } }, change: { kind: "totp_enabled" } }, now);
    return codes;
  });
  return done ? { ok: true, recoveryCodes: done } : { ok: false, reason: "invalid_code" };
}

/**
 * Ten new recovery codes for a current TOTP code; the old ones stop working. Recorded and
 * told to the owner like every change of the second factor: whoever holds a session and
 * the app could otherwise replace the owner's paper codes without a trace.
 */
export async function regenerateRecoveryCodes(input: { user: User; code: string; client: Client }, now = Date.now()): Promise<RecoveryCodesResult> {
  const { user } = input;
  if (!(await hasTotp(user.id))) return { ok: false, reason: "no_setup" };
  const checked = await checkSecondFactorCode(user, input.code, { accept: "totp", now });
  if (!checked.ok) return checked;
  const done = await writeTransaction(async (tx) => {
    await retireCredentials(tx, { userId: user.id, change: "recovery_codes_regenerated", now });
    const codes = await replaceRecoveryCodesIn(tx, user.id, now);
    await recordAndNotifyIn(
      tx,
      { user, event: { type: "recovery_codes_regenerated", client: input.client, detail: {} }, change: { kind: "recovery_codes_regenerated" } },
      now,
    );
    return codes;
  });
  return { ok: true, recoveryCodes: done };
}

export type DisableResult = { ok: true } | Refused;

/** Turn TOTP off with a current code or a recovery code; the recovery codes go with it. */
export async function disableTotp(input: { user: User; code: string; client: Client }, now = Date.now()): Promise<DisableResult> {
  const { user } = input;
  if (!(await hasTotp(user.id))) return { ok: false, reason: "no_setup" };
  const checked = await checkSecondFactorCode(user, input.code, { accept: "either", now });
  if (!checked.ok) return checked;
  await writeTransaction(async (tx) => {
    await tx.delete(totpCredentials).where(eq(totpCredentials.userId, user.id));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    await retireCredentials(tx, { userId: user.id, change: "totp_disabled", now });
    await recordAndNotifyIn(tx, { user, event: { type: "mfa_disabled", client: input.client, detail: { method: checked.method } }, change: { kind: "totp_disabled" } }, now);
  });
  return { ok: true };
}

export type SecondStepResult = { ok: true; method: "totp" | "recovery_code" } | { ok: false; reason: "invalid_code" } | Locked;

/**
 * The second step of a login (mfa/verify): a TOTP code or a recovery code. A recovery
 * code is recorded and its owner told, with how many are left.
 */
export async function passSecondStep(
  input: { user: User; code: string; accept: CodeKind; client: Client; device?: DeviceClaim | null },
  now = Date.now(),
): Promise<SecondStepResult> {
  const checked = await checkSecondFactorCode(input.user, input.code, { accept: input.accept, now, device: input.device });
  if (!checked.ok) return checked;
  if (checked.method === "totp") return { ok: true, method: "totp" };
  const remaining = await recoveryCodesLeft(input.user.id);
  await writeTransaction((tx) =>
    recordAndNotifyIn(tx, { user: input.user, event: { type: "recovery_code_used", client: input.client, detail: { remaining } }, change: { kind: "recovery_code_used", remaining } }, now),
  );
  return { ok: true, method: "recovery_code" };
}
