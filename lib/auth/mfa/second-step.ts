import "server-only";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { User } from "@/db/schema";
import { recordSecurityEvent, type Client } from "../activity";
import type { DeviceClaim } from "../device";
import { verifyPasskeyLogin } from "../passkeys";
import { completeSignIn, type SecondFactorMethod, type SignInResult } from "../sign-in";
import { getUserById } from "../user";
import { consumeMfaToken, peekMfaToken } from "./mfa-token";
import { passSecondStep } from "./second-factor";

// mfa/verify (docs/api.md, login with a second factor on): the token of the first step
// and one proof of the second. A wrong proof leaves the token usable until it expires
// (the account lockout bounds the guesses); the first proof that passes spends it.

export type SecondStepProof = { code: string } | { recoveryCode: string } | { passkey: AuthenticationResponseJSON };

export type SecondStepVerification =
  | Exclude<SignInResult, { reason: "credentials_changed" }>
  | { ok: false; reason: "invalid_token" }
  | { ok: false; reason: "invalid_code" }
  | { ok: false; reason: "invalid_passkey" }
  | { ok: false; reason: "locked"; retryAfter: number };

type Proven = { ok: true; method: SecondFactorMethod } | Exclude<SecondStepVerification, { ok: true }>;

async function proveSecondStep(user: User, proof: SecondStepProof, client: Client, device: DeviceClaim | null): Promise<Proven> {
  if ("passkey" in proof) {
    const checked = await verifyPasskeyLogin({ response: proof.passkey, userId: user.id });
    return checked.ok ? { ok: true, method: "passkey" } : { ok: false, reason: "invalid_passkey" };
  }
  const [code, accept] = "code" in proof ? [proof.code, "totp" as const] : [proof.recoveryCode, "recovery_code" as const];
  return passSecondStep({ user, code, accept, client, device });
}

export async function verifySecondStep(input: {
  mfaToken: string;
  proof: SecondStepProof;
  client: Client;
  device?: DeviceClaim | null;
}): Promise<SecondStepVerification> {
  const token = await peekMfaToken(input.mfaToken);
  const user = token ? await getUserById(token.userId) : null;
  // A credential change since the first step spent it (lib/auth/credentials.ts); said
  // before any code is checked, so a stale token costs the account nothing.
  if (!token || !user || user.credentialsVersion !== token.credentialsVersion) return { ok: false, reason: "invalid_token" };
  const proven = await proveSecondStep(user, input.proof, input.client, input.device ?? null);
  if (!proven.ok) {
    if (proven.reason !== "locked") {
      await recordSecurityEvent({ userId: user.id, type: "login_failed", client: input.client, detail: { method: token.method, second_factor: secondFactorOf(input.proof) } });
    }
    return proven;
  }
  // Two proofs racing with one token: one session.
  if (!(await consumeMfaToken(input.mfaToken, user.id))) return { ok: false, reason: "invalid_token" };
  const signedIn = await completeSignIn({
    user,
    method: token.method,
    client: input.client,
    secondFactor: proven.method,
    credentialsVersion: token.credentialsVersion,
  });
  if (!signedIn.ok && signedIn.reason === "credentials_changed") return { ok: false, reason: "invalid_token" };
  return signedIn;
}

const secondFactorOf = (proof: SecondStepProof): SecondFactorMethod =>
  "passkey" in proof ? "passkey" : "code" in proof ? "totp" : "recovery_code";
