import "server-only";
import { and, count, eq, isNull, lt, or } from "drizzle-orm";
import { getDb, writeTransaction } from "@/lib/db";
import { passkeys, recoveryCodes, totpCredentials, type User } from "@/db/schema";
import type { MfaStatus } from "@/lib/api-schemas";
import { log } from "@/lib/log";
import { recordAndNotifyIn, type Client } from "../activity";
import { listPasskeys } from "../passkeys";
import { deviceOf, type DeviceClaim } from "../device";
import { checkAccountSecret } from "../rate-limit";
import { matchRecoveryCode } from "./recovery-codes";
import { needsReseal, openSecret, sealSecret } from "./secret-box";
import { matchTotpStep, TOTP_CODE_PATTERN } from "./totp";

// The second factor at sign-in (docs/api.md, second factor): what the account has (TOTP,
// recovery codes, passkeys), what a sign-in still owes (secondFactorMethods), and the
// check of a code that mfa/verify and re-authentication use. Turning it on or off and new
// recovery codes are enrolment (./enrolment.ts). Every check of a code spends the
// account's budget like a password does (docs/security.md, abuse limits): a wrong code, a
// replayed one and a spent recovery code all count.

export type CodeCheck =
  | { ok: true; method: "totp" | "recovery_code" }
  | { ok: false; reason: "invalid_code" }
  | { ok: false; reason: "locked"; retryAfter: number };

export type Locked = { ok: false; reason: "locked"; retryAfter: number };

/** The AAD of a user's sealed secret: a box copied to another user's row does not open. */
export const secretContext = (userId: number) => `totp:${userId}`;

export async function totpCredentialOf(userId: number) {
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


/** What the second step of mfa/verify may take. */
export type SecondFactorMethod = "totp" | "recovery_code" | "passkey";

async function hasPasskey(userId: number): Promise<boolean> {
  const [row] = await getDb().select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
  return (row?.n ?? 0) > 0;
}

/** The second-step methods of a user with TOTP on. */
export async function secondFactorMethods(userId: number): Promise<SecondFactorMethod[]> {
  return (await hasPasskey(userId)) ? ["totp", "recovery_code", "passkey"] : ["totp", "recovery_code"];
}

/** What the account has, for GET /api/auth/mfa/ and the profile. */
export async function getMfaStatus(user: User): Promise<MfaStatus> {
  const [totp, left, keys] = await Promise.all([hasTotp(user.id), recoveryCodesLeft(user.id), listPasskeys(user.id)]);
  return { password: user.passwordHash !== null, totp, recovery_codes_left: totp ? left : 0, passkeys: keys };
}

/**
 * Accept a TOTP code once: the step it matched is claimed with a conditional update, so
 * a replay of that step or an earlier one, even in a parallel request, is refused.
 */
export async function claimTotpCode(userId: number, code: string, state: "confirmed" | "pending", now: number): Promise<boolean> {
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
