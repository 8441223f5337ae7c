import "server-only";
import type { User } from "@/db/schema";
import { isRecentSignIn } from "@/lib/auth/reauth";
import type { SessionSecondFactor } from "@/lib/auth/session";

// Who may use /api/admin/ (docs/api.md, administration; docs/security.md). An
// administrator's session is the keys to every account, so a stolen password must not be
// enough: the session must have used a second factor (a code, a recovery code or a
// passkey) when it signed in, and a change needs that sign-in, or a re-authentication with
// the strongest factor, to be recent (lib/auth/reauth.ts).

export type AdminRefusal = "not_admin" | "second_factor_required" | "reauthentication_required";

export type AdminAccess = { ok: true } | { ok: false; reason: AdminRefusal };

export async function checkAdminAccess(
  auth: { user: Pick<User, "role">; sessionId: string; secondFactor: SessionSecondFactor },
  options: { change: boolean },
  now = Date.now(),
): Promise<AdminAccess> {
  if (auth.user.role !== "admin") return { ok: false, reason: "not_admin" };
  if (auth.secondFactor === null) return { ok: false, reason: "second_factor_required" };
  if (options.change && !(await isRecentSignIn(auth.sessionId, now))) return { ok: false, reason: "reauthentication_required" };
  return { ok: true };
}
