import "server-only";
import type { User } from "@/db/schema";
import { getEnv } from "@/lib/env";
import type { Client } from "./activity";
import { issueDeviceToken } from "./device";
import { createMfaToken } from "./mfa/mfa-token";
import { hasTotp, secondFactorMethods, type SecondFactorMethod } from "./mfa/second-factor";
import { startSession, type SessionGrant } from "./session";

// The one place where a sign-in completes (docs/api.md, login; docs/security.md): every
// first step (password, a provider, a passkey) and the second step of mfa/verify end
// here, which refuses a disabled account, decides whether the email must be verified
// first, whether a second factor is still owed, and otherwise starts the session and
// records the login.

/** What the second step of mfa/verify may take (lib/auth/mfa/second-factor.ts). */
export type { SecondFactorMethod };

/** How the user proved who they are first. A passkey verifies the user: both factors at once. */
export type SignInMethod = "password" | "google" | "github" | "passkey";

export type SignInResult =
  | { ok: true; kind: "session"; user: User; grant: SessionGrant }
  | { ok: true; kind: "mfa_required"; user: User; mfaToken: string; methods: SecondFactorMethod[] }
  | { ok: false; reason: "email_not_verified" | "account_disabled" }
  /**
   * The account's credentials changed after this sign-in's proof was checked (a reset,
   * a password change, a second factor turned on or off: lib/auth/credentials.ts). Each
   * caller answers it as its own proof failing: the proof no longer stands.
   */
  | { ok: false; reason: "credentials_changed" };

/**
 * Finish a sign-in whose first step has passed. `user` is the row the proof was checked
 * against (read before the password was hashed, say): its credentials_version must still
 * stand when the session starts. `secondFactor` is set by mfa/verify once the code or
 * passkey of the second step passed, with `credentialsVersion` from the mfa_token (the
 * first step's); a passkey sign-in needs none. `passwordUpgrade` re-hashes the password
 * in the session's own transaction.
 */
export async function completeSignIn(input: {
  user: User;
  method: SignInMethod;
  client: Client;
  secondFactor?: SecondFactorMethod;
  credentialsVersion?: number;
  passwordUpgrade?: { from: string; to: string };
}): Promise<SignInResult> {
  const { user, method, client } = input;
  const credentialsVersion = input.credentialsVersion ?? user.credentialsVersion;
  // Both are said only to someone who has just proven who they are, so they reveal nothing.
  // A disabled account (an inactive user moved in from Django; administrators later) gets
  // no session and no second step, whichever way in it came.
  if (user.disabledAt) return { ok: false, reason: "account_disabled" };
  if (getEnv().REQUIRE_VERIFIED_EMAIL && !user.emailVerified) return { ok: false, reason: "email_not_verified" };
  if (method !== "passkey" && !input.secondFactor && (await hasTotp(user.id))) {
    const mfaToken = await createMfaToken({ userId: user.id, method, credentialsVersion });
    return { ok: true, kind: "mfa_required", user, mfaToken, methods: await secondFactorMethods(user.id) };
  }
  const detail = input.secondFactor ? { method, second_factor: input.secondFactor } : { method };
  const secondFactor = method === "passkey" ? "passkey" : input.secondFactor;
  // The login event is written in the session's own transaction: both or neither.
  const grant = await startSession(
    { userId: user.id, ...client },
    { credentialsVersion, secondFactor, passwordUpgrade: input.passwordUpgrade },
    { type: "login", detail },
  );
  if (!grant) return { ok: false, reason: "credentials_changed" };
  // This browser has now proven itself for this account (docs/decisions/025).
  return { ok: true, kind: "session", user, grant: { ...grant, deviceToken: await issueDeviceToken({ id: user.id, passwordHash: input.passwordUpgrade?.to ?? user.passwordHash }) } };
}
