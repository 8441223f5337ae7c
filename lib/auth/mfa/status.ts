import "server-only";
import type { User } from "@/db/schema";
import type { MfaStatus } from "@/lib/api-schemas";
import { listPasskeys } from "../passkeys";
import { hasTotp, recoveryCodesLeft } from "./second-factor";

export async function getMfaStatus(user: User): Promise<MfaStatus> {
  const [totp, left, passkeys] = await Promise.all([hasTotp(user.id), recoveryCodesLeft(user.id), listPasskeys(user.id)]);
  return { password: user.passwordHash !== null, totp, recovery_codes_left: totp ? left : 0, passkeys };
}
