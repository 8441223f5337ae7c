import "server-only";
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { mfaTokens } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";

// The half of a login that has proven the password but not yet the second factor
// (docs/api.md, login with a second factor on): an opaque random token, stored as
// SHA-256, bound to its user, valid 5 minutes, spent by the first successful second
// step. Wrong codes leave it usable until it expires; the account lockout bounds them.

export const MFA_TOKEN_TTL_MS = 5 * 60 * 1000;

/**
 * A new token for `userId`, who proved the first step by `method` against the account's
 * `credentialsVersion`: a credential change after that spends it (lib/auth/credentials.ts).
 */
export async function createMfaToken(input: { userId: number; method: FirstStep; credentialsVersion: number }, now = Date.now()): Promise<string> {
  const token = randomToken(32);
  await getDb()
    .insert(mfaTokens)
    .values({ ...input, tokenHash: sha256(token), createdAt: new Date(now), expiresAt: new Date(now + MFA_TOKEN_TTL_MS) });
  return token;
}

/** The first steps that can owe a second: a passkey is both factors at once. */
export type FirstStep = "password" | "google" | "github";

const liveToken = (token: string, now: number) =>
  and(eq(mfaTokens.tokenHash, sha256(token)), isNull(mfaTokens.usedAt), gt(mfaTokens.expiresAt, new Date(now)));

export type MfaTokenHolder = { userId: number; method: FirstStep; credentialsVersion: number };

/** The user a live token belongs to, without spending it (before the code is checked). */
export async function peekMfaToken(token: string, now = Date.now()): Promise<MfaTokenHolder | null> {
  if (!token || token.length > 128) return null;
  const [row] = await getDb()
    .select({ userId: mfaTokens.userId, method: mfaTokens.method, credentialsVersion: mfaTokens.credentialsVersion })
    .from(mfaTokens)
    .where(liveToken(token, now))
    .limit(1);
  return row ? { ...row, method: row.method as FirstStep } : null;
}

/** Delete tokens past their 5 minutes (spent or not): they can never be used again. */
export async function trimExpiredMfaTokens(now = Date.now()): Promise<number> {
  const gone = await getDb().delete(mfaTokens).where(lt(mfaTokens.expiresAt, new Date(now))).returning({ id: mfaTokens.id });
  return gone.length;
}

/**
 * Spend a token for its user once the second factor passed. False when it was spent
 * meanwhile (two verifications racing: one wins) or belongs to someone else.
 */
export async function consumeMfaToken(token: string, userId: number, now = Date.now()): Promise<boolean> {
  const claimed = await getDb()
    .update(mfaTokens)
    .set({ usedAt: new Date(now) })
    .where(and(liveToken(token, now), eq(mfaTokens.userId, userId)))
    .returning({ id: mfaTokens.id });
  return claimed.length === 1;
}
