import "server-only";
import { and, asc, eq, inArray } from "drizzle-orm";
import { getDb, type Queryable } from "@/lib/db";
import { oidcConsents, oidcModels } from "@/db/schema";
import { revokeGrants } from "@/lib/oidc/adapter";
import { clientName, findClient } from "@/lib/oidc/clients";

// What an account gave other apps through Gatehouse's OpenID provider (docs/oidc.md), as
// the account's lifecycle sees it: one hook that ends it when the account is disabled or
// erased, and the consents the export lists.
//
// Disabling and erasing call endAppAccess inside their own transaction (lib/admin/
// actions.ts, lib/account/erasure.ts), right after revokeUserSessions, which already ended
// the provider's sessions and the grants that came from the account's live Gatehouse
// sessions (lib/oidc/session-end.ts) and queued their back-channel logouts. What is left
// is what outlives a session: grants whose session ended earlier, refresh tokens of
// `offline_access` above all. They go here, with every code and token they issued, so an
// app's refresh is refused at once. An erasure then deletes the consents with the user
// row (oidc_consents.user_id cascades); a disabled account keeps them for when it is
// enabled again, and the provider finds no account for it meanwhile (lib/oidc/provider.ts).

export type AppAccessEnd = "disabled" | "deleted";

/** End every grant, and the provider sessions, of the account. Call inside the change's transaction. */
export async function endAppAccess(tx: Queryable, userId: number, _why: AppAccessEnd): Promise<void> {
  // No lock can keep the provider's adapter from writing a grant just after this read (an
  // authorization finishing as the account is disabled or erased): such a grant outlives
  // the change, but is worth nothing, because the provider asks findAccount at every refresh
  // and userinfo, and it finds no account for a disabled or erased user
  // (lib/oidc/provider.ts; docs/decisions/026).
  const rows = await tx
    .select({ model: oidcModels.model, id: oidcModels.id })
    .from(oidcModels)
    .where(and(eq(oidcModels.accountId, userId), inArray(oidcModels.model, ["Grant", "Session"])));
  await revokeGrants(tx, rows.filter((r) => r.model === "Grant").map((r) => r.id));
  const sessions = rows.filter((r) => r.model === "Session").map((r) => r.id);
  if (sessions.length) await tx.delete(oidcModels).where(and(eq(oidcModels.model, "Session"), inArray(oidcModels.id, sessions)));
}

/** What the export lists of the apps the user let in ("consents given to apps", docs/api.md). */
export type AppConsent = { client_id: string; name: string | null; scopes: string[]; given_at: string };

export async function listAppConsents(userId: number): Promise<AppConsent[]> {
  const rows = await getDb().select().from(oidcConsents).where(eq(oidcConsents.userId, userId)).orderBy(asc(oidcConsents.createdAt));
  return rows.map((c) => ({
    client_id: c.clientId,
    name: clientName(findClient(c.clientId), c.clientId),
    scopes: c.scopes.split(" ").filter(Boolean),
    given_at: c.createdAt.toISOString(),
  }));
}
