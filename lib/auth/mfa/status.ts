import "server-only";
import type { User } from "@/db/schema";
import { listPasskeys, type PasskeySummary } from "../passkeys";
import { hasTotp, recoveryCodesLeft } from "./second-factor";

/** The body of GET /api/auth/mfa/: every way the account signs in beyond its providers. */
export type MfaStatus = { password: boolean; totp: boolean; recovery_codes_left: number; passkeys: PasskeySummary[] };

export async function getMfaStatus(user: User): Promise<MfaStatus> {
  const [totp, left, passkeys] = await Promise.all([hasTotp(user.id), recoveryCodesLeft(user.id), listPasskeys(user.id)]);
  return { password: user.passwordHash !== null, totp, recovery_codes_left: totp ? left : 0, passkeys };
}
