import "server-only";
import { count, eq } from "drizzle-orm";
import { passkeys, type User } from "@/db/schema";
import { getDb } from "@/lib/db";
import { hasTotp } from "@/lib/auth/mfa/second-factor";
import { isRecentSignIn } from "@/lib/auth/reauth";
import type { SessionSecondFactor } from "@/lib/auth/session";

// Who may use /api/admin/ (docs/api.md, administration; docs/security.md; decision 053).
// An administrator's session is the keys to every account, so a stolen password must not
// be enough: the session must have used a second factor (a code, a recovery code or a
// passkey) when it signed in, and the account must still have one now (TOTP on, or a
// passkey): a session that outlives the second factor it was opened with (turned off,
// its last passkey removed) is no administrator's. A change also needs that sign-in, or a
// re-authentication, to be recent and proved with a code or a passkey, never a password
// alone, even on an account without TOTP (lib/auth/reauth.ts).

export type AdminRefusal = "not_admin" | "second_factor_required" | "reauthentication_required";

export type AdminAccess = { ok: true } | { ok: false; reason: AdminRefusal };

/** TOTP on, or at least one passkey: what an administrator's account must keep. */
async function hasSecondFactorNow(userId: number): Promise<boolean> {
  if (await hasTotp(userId)) return true;
  const [row] = await getDb().select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
  return (row?.n ?? 0) > 0;
}

export async function checkAdminAccess(
  auth: { user: Pick<User, "id" | "role">; sessionId: string; secondFactor: SessionSecondFactor },
  options: { change: boolean },
  now = Date.now(),
): Promise<AdminAccess> {
  if (auth.user.role !== "admin") return { ok: false, reason: "not_admin" };
  if (auth.secondFactor === null || !(await hasSecondFactorNow(auth.user.id))) return { ok: false, reason: "second_factor_required" };
  if (options.change && !(await isRecentSignIn(auth.sessionId, now, { secondFactor: true }))) return { ok: false, reason: "reauthentication_required" };
  return { ok: true };
}
