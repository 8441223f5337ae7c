import "server-only";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Client } from "./activity";
import { verifyPasskeyLogin } from "./passkeys";
import { completeSignIn, type SignInResult } from "./sign-in";
import { getUserById } from "./user";

export type PasskeyLoginResult = SignInResult | { ok: false; reason: "invalid_challenge" | "unknown_passkey" | "verification_failed" };

/**
 * Sign in with a discoverable passkey (docs/api.md, passkeys): it verified the user (PIN,
 * biometrics) on a device they hold, so it is both factors and no code is asked after it.
 */
export async function signInWithPasskey(input: { response: AuthenticationResponseJSON; client: Client }): Promise<PasskeyLoginResult> {
  const verified = await verifyPasskeyLogin({ response: input.response });
  if (!verified.ok) return verified;
  const user = await getUserById(verified.userId);
  // The passkey row references its user (cascade): a missing user is an impossible state.
  if (!user) throw new Error("passkey without a user");
  return completeSignIn({ user, method: "passkey", client: input.client });
}
