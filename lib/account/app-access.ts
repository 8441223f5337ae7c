import "server-only";
import type { Queryable } from "@/db/client";

// THE SEAM FOR THE OPENID PROVIDER (docs/api.md, "Sign in with Gatehouse"; branch `oidc`).
//
// An account that is disabled or erased must lose what it granted other apps, not only
// its Gatehouse sessions: the provider's grants, refresh tokens and consents. Disabling and
// erasing call endAppAccess inside their own transaction (lib/admin/actions.ts disable,
// lib/account/erasure.ts), right after revokeUserSessions; the export lists consents
// through listAppConsents. Until the provider's tables are on main there is nothing of it
// to end or list: revoking the sessions is all there is. When they are, this is where the
// provider plugs in: revoke every grant of the account (oidc_models rows with its
// account_id: their refresh and access tokens stop at once), queue the back-channel
// logouts, and, on erasure, delete its consents (the cascade of oidc_consents.user_id
// does that too).

export type AppAccessEnd = "disabled" | "deleted";

/** End every grant the account gave other apps through Gatehouse's OpenID provider. Call inside the change's transaction. */
export async function endAppAccess(_tx: Queryable, _userId: number, _why: AppAccessEnd): Promise<void> {
  // No provider tables on this branch yet: nothing beyond the sessions, which the caller ended.
}

/** What the export lists of the apps the user let in ("consents given to apps", docs/api.md). */
export type AppConsent = { client_id: string; name: string | null; scopes: string[]; given_at: string };

export async function listAppConsents(_userId: number): Promise<AppConsent[]> {
  // No provider tables on this branch yet: no app can have been given consent.
  return [];
}
