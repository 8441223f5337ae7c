import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { sessionReauthentications, sessions, totpCredentials, type User } from "@/db/schema";
import { getEnv } from "@/lib/env";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { checkSecondFactorCode, hasTotp } from "./mfa/second-factor";
import { verifyPasskeyLogin } from "./passkeys";
import { verifyPasswordHash } from "./password";
import { recordReauthenticationIn } from "./session";
import { checkAccountSecret } from "./rate-limit";

// Recent sign-in (docs/security.md, account ownership): turning a second factor on and
// adding a passkey need the session's user to have proven who they are within
// REAUTH_MAX_AGE, by signing in (the session's start) or by re-authenticating in it,
// with the strongest factor the account has (docs/decisions/019-recent-sign-in.md). A
// stolen access token alone is not enough, nor a password alone when TOTP is on.

type Proof = { at: number; strong: boolean };

/**
 * The session's proofs of who its user is: its sign-in, and its latest re-authentication;
 * `strong` when a second factor (a code, a passkey) was part of it. With the account's
 * TOTP state, which decides whether a proof by password alone counts.
 */
async function sessionProofs(sessionId: string): Promise<{ proofs: Proof[]; totp: boolean } | null> {
  const [row] = await getDb()
    .select({
      signedInAt: sessions.createdAt,
      signInSecondFactor: sessions.secondFactor,
      reauthenticatedAt: sessionReauthentications.at,
      reauthMethod: sessionReauthentications.method,
      totpConfirmedAt: totpCredentials.confirmedAt,
    })
    .from(sessions)
    .leftJoin(sessionReauthentications, eq(sessionReauthentications.sessionId, sessions.id))
    .leftJoin(totpCredentials, eq(totpCredentials.userId, sessions.userId))
    .where(eq(sessions.id, sessionId))
    .limit(1);
  if (!row) return null;
  const proofs: Proof[] = [{ at: row.signedInAt.getTime(), strong: row.signInSecondFactor !== null }];
  if (row.reauthenticatedAt) proofs.push({ at: row.reauthenticatedAt.getTime(), strong: row.reauthMethod !== "password" });
  return { proofs, totp: row.totpConfirmedAt !== null };
}

/**
 * True when the session's user proved who they are within REAUTH_MAX_AGE, with the
 * strongest factor the account has: with TOTP on, a proof by password alone does not
 * count (a password is what a phished or reused credential gives away; the code or a
 * passkey is what the account relies on: docs/decisions/019). With `secondFactor`, a
 * proof by password alone never counts.
 */
export async function isRecentSignIn(sessionId: string, now = Date.now(), options: { secondFactor?: boolean } = {}): Promise<boolean> {
  const found = await sessionProofs(sessionId);
  if (!found) return false;
  // `secondFactor`: only a proof with a code or a passkey counts, whatever the account has
  // (an administrator's change: docs/decisions/053).
  const counted = found.proofs.filter((p) => p.strong || (!found.totp && !options.secondFactor));
  return counted.some((p) => now - p.at <= getEnv().REAUTH_MAX_AGE * 1000);
}

export type ReauthProof = { password: string } | { code: string } | { passkey: AuthenticationResponseJSON };

export type ReauthResult =
  | { ok: true }
  | { ok: false; reason: "invalid_password" }
  | { ok: false; reason: "invalid_code" }
  | { ok: false; reason: "no_password" }
  | { ok: false; reason: "no_totp" }
  | { ok: false; reason: "second_factor_required" }
  | { ok: false; reason: "invalid_passkey" }
  | { ok: false; reason: "locked"; retryAfter: number };

/**
 * Prove it again inside a session: the password, a current TOTP code (a recovery code
 * is kept for losing the app), or one of the user's passkeys. With TOTP on, the password
 * alone is not enough: the strongest factor the account has is asked. Guesses spend the
 * account's lockout budget; a passkey's signature cannot be guessed.
 */
export async function reauthenticate(input: { user: User; sessionId: string; proof: ReauthProof }, now = Date.now()): Promise<ReauthResult> {
  const { user, proof } = input;
  const totpOn = await hasTotp(user.id);
  if ("password" in proof) {
    const hash = user.passwordHash;
    if (!hash) return { ok: false, reason: "no_password" };
    // Said before the password is checked: it would not count, so it is not a guess either.
    if (totpOn) return { ok: false, reason: "second_factor_required" };
    const checked = await checkAccountSecret(user.email, () => verifyPasswordHash(hash, proof.password));
    if (checked.locked) return { ok: false, reason: "locked", retryAfter: checked.retryAfter };
    if (!checked.passed) return { ok: false, reason: "invalid_password" };
  } else if ("passkey" in proof) {
    const checked = await verifyPasskeyLogin({ response: proof.passkey, userId: user.id }, now);
    if (!checked.ok) return { ok: false, reason: "invalid_passkey" };
  } else {
    if (!totpOn) return { ok: false, reason: "no_totp" };
    const checked = await checkSecondFactorCode(user, proof.code, { accept: "totp", now });
    if (!checked.ok) return checked;
  }
  await recordReauthenticationIn(getDb(), input.sessionId, "password" in proof ? "password" : "passkey" in proof ? "passkey" : "totp", now);
  return { ok: true };
}
