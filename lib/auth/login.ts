import "server-only";
import type { LoginInput } from "@/lib/validation";
import { recordSecurityEvent, type Client } from "./activity";
import { deviceOf, type DeviceClaim } from "./device";
import { hasTotp } from "./mfa/second-factor";
import { dummyPasswordHash, hashPassword, needsRehash, verifyPasswordHash } from "./password";
import { checkAccountSecret } from "./rate-limit";
import { completeSignIn, type SignInResult } from "./sign-in";
import { getUserByEmail } from "./user";

export type LoginResult =
  | Exclude<SignInResult, { reason: "credentials_changed" }>
  | { ok: false; reason: "invalid_credentials" }
  | { ok: false; reason: "locked"; retryAfter: number };

/**
 * Email + password login. An unknown email, a wrong password and an account without a
 * password answer the same, and take the same time: a real argon2 verification runs
 * in every case, against a dummy hash when there is nothing else (docs/api.md, login).
 */
export async function loginWithPassword(
  input: LoginInput,
  client: Client,
  options: { device?: DeviceClaim | null } = {},
): Promise<LoginResult> {
  // The state the password is checked against: if a reset or change commits while this
  // login waits for argon2, its session does not start (lib/auth/credentials.ts).
  const user = await getUserByEmail(input.email);
  // With TOTP on, the password is only the first step: its success leaves the count of
  // wrong codes standing (lib/auth/rate-limit.ts, checkAccountSecret).
  // The same read for an unknown address, so that its answer takes the same time.
  const secondStepFollows = await hasTotp(user?.id ?? 0);
  const checked = await checkAccountSecret(
    input.email,
    async () => {
      const storedHash = user?.passwordHash ?? (await dummyPasswordHash());
      const matches = await verifyPasswordHash(storedHash, input.password);
      return Boolean(user?.passwordHash) && matches;
    },
    // A browser that signed in to this very account before spends its own budget (docs/decisions/025).
    { clearOnSuccess: !secondStepFollows, device: await deviceOf(options.device, user) },
  );
  if (checked.locked) return { ok: false, reason: "locked", retryAfter: checked.retryAfter };
  if (!checked.passed || !user?.passwordHash) {
    // Known accounts only: an unknown address has no one to show it to.
    if (user) await recordSecurityEvent({ userId: user.id, type: "login_failed", client, detail: { method: "password" } });
    return { ok: false, reason: "invalid_credentials" };
  }

  // Weaker parameters are re-hashed in the session's own transaction, and only if the
  // hash this login proved is still the user's.
  const passwordUpgrade = needsRehash(user.passwordHash) ? { from: user.passwordHash, to: await hashPassword(input.password) } : undefined;
  // completeSignIn reads TOTP again: the user may have turned it on while this login
  // waited for argon2, and that read, not the one above, decides on the second step.
  const signedIn = await completeSignIn({ user, method: "password", client, passwordUpgrade });
  // The password was changed meanwhile: the one typed here is no longer it.
  if (!signedIn.ok && signedIn.reason === "credentials_changed") return { ok: false, reason: "invalid_credentials" };
  return signedIn;
}
