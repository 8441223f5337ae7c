import "server-only";
import { and, eq, isNull } from "drizzle-orm";
import { getDb, type Queryable, writeTransaction } from "@/lib/db";
import { recoveryCodes, totpCredentials, type User } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { recordAndNotifyIn, type Client } from "../activity";
import { retireCredentials } from "../credentials";
import { recordReauthenticationIn } from "../session";
import { checkAccountSecret } from "../rate-limit";
import { hashRecoveryCode, newRecoveryCodes } from "./recovery-codes";
import { checkSecondFactorCode, claimTotpCode, hasTotp, secretContext, totpCredentialOf, type Locked } from "./second-factor";
import { sealSecret } from "./secret-box";
import { encodeTotpSecret, newTotpSecret, totpUri } from "./totp";

// Enrolment of the second factor (docs/api.md, second factor): TOTP set up and confirmed
// (with the ten recovery codes), new recovery codes, TOTP turned off. Each change is a
// credential change (lib/auth/credentials.ts), recorded and told to the owner. What the
// account has and the check at sign-in: ./second-factor.ts.

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

