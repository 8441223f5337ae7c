import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { sessionReauthentications, sessions, type User } from "@/db/schema";
import { getEnv } from "@/lib/env";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { checkSecondFactorCode, hasTotp } from "./mfa/second-factor";
import { verifyPasskeyLogin } from "./passkeys";
import { verifyPasswordHash } from "./password";
import { checkAccountSecret } from "./rate-limit";

// Recent sign-in (docs/security.md, account ownership): turning a second factor on and
// adding a passkey need the session's user to have proven who they are within
// REAUTH_MAX_AGE, by signing in (the session's start) or by re-authenticating in it
// (docs/decisions/019-recent-sign-in.md). A stolen access token alone is not enough.

/** When the session's user last proved who they are: its sign-in or a later re-authentication. */
async function lastProofAt(sessionId: string): Promise<number | null> {
  const [row] = await getDb()
    .select({ signedInAt: sessions.createdAt, reauthenticatedAt: sessionReauthentications.at })
    .from(sessions)
    .leftJoin(sessionReauthentications, eq(sessionReauthentications.sessionId, sessions.id))
    .where(eq(sessions.id, sessionId))
    .limit(1);
  if (!row) return null;
  return Math.max(row.signedInAt.getTime(), row.reauthenticatedAt?.getTime() ?? 0);
}

export async function isRecentSignIn(sessionId: string, now = Date.now()): Promise<boolean> {
  const at = await lastProofAt(sessionId);
  return at !== null && now - at <= getEnv().REAUTH_MAX_AGE * 1000;
}

export type ReauthProof = { password: string } | { code: string } | { passkey: AuthenticationResponseJSON };

export type ReauthResult =
  | { ok: true }
  | { ok: false; reason: "invalid_password" }
  | { ok: false; reason: "invalid_code" }
  | { ok: false; reason: "no_password" }
  | { ok: false; reason: "no_totp" }
  | { ok: false; reason: "invalid_passkey" }
  | { ok: false; reason: "locked"; retryAfter: number };

/**
 * Prove it again inside a session: the password, a current TOTP code (a recovery code
 * is kept for losing the app), or one of the user's passkeys. Guesses spend the
 * account's lockout budget; a passkey's signature cannot be guessed.
 */
export async function reauthenticate(input: { user: User; sessionId: string; proof: ReauthProof }, now = Date.now()): Promise<ReauthResult> {
  const { user, proof } = input;
  if ("password" in proof) {
    const hash = user.passwordHash;
    if (!hash) return { ok: false, reason: "no_password" };
    // With TOTP on, a password proof must not refund wrong codes (the codes that turn it
    // off share this budget): only a code's own success clears the count.
    const checked = await checkAccountSecret(user.email, () => verifyPasswordHash(hash, proof.password), { clearOnSuccess: !(await hasTotp(user.id)) });
    if (checked.locked) return { ok: false, reason: "locked", retryAfter: checked.retryAfter };
    if (!checked.passed) return { ok: false, reason: "invalid_password" };
  } else if ("passkey" in proof) {
    const checked = await verifyPasskeyLogin({ response: proof.passkey, userId: user.id }, now);
    if (!checked.ok) return { ok: false, reason: "invalid_passkey" };
  } else {
    if (!(await hasTotp(user.id))) return { ok: false, reason: "no_totp" };
    const checked = await checkSecondFactorCode(user, proof.code, { accept: "totp", now });
    if (!checked.ok) return checked;
  }
  const at = new Date(now);
  await getDb()
    .insert(sessionReauthentications)
    .values({ sessionId: input.sessionId, at })
    .onConflictDoUpdate({ target: sessionReauthentications.sessionId, set: { at } });
  return { ok: true };
}
