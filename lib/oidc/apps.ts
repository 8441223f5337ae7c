import "server-only";
import { and, eq } from "drizzle-orm";
import { getDb, writeTransaction } from "@/lib/db";
import { oidcConsents, oidcModels } from "@/db/schema";
import { recordSecurityEventIn, type Client } from "@/lib/auth/activity";
import { clientName, findClient } from "./clients";
import { revokeGrants } from "./adapter";

// "Apps with access" (docs/api.md): the apps a user let in through Gatehouse (OpenID
// Connect), each with what it may see, and the revoke that takes it back: the remembered
// consent goes, and every grant of that app for that user with its refresh and access
// tokens, at once.

export type AppAccess = { client_id: string; name: string; scopes: string[]; since: string };

export async function listAppsWithAccess(userId: number): Promise<AppAccess[]> {
  const db = getDb();
  const consents = await db.select().from(oidcConsents).where(eq(oidcConsents.userId, userId));
  const grants = await db
    .select({ clientId: oidcModels.clientId, payload: oidcModels.payload })
    .from(oidcModels)
    .where(and(eq(oidcModels.model, "Grant"), eq(oidcModels.accountId, userId)));
  const apps = new Map<string, { scopes: Set<string>; since: number }>();
  for (const consent of consents) {
    apps.set(consent.clientId, { scopes: new Set(consent.scopes.split(" ").filter(Boolean)), since: consent.createdAt.getTime() });
  }
  for (const grant of grants) {
    if (!grant.clientId) continue;
    const payload = JSON.parse(grant.payload) as { iat?: number; openid?: { scope?: string } };
    const entry = apps.get(grant.clientId) ?? { scopes: new Set<string>(), since: (payload.iat ?? 0) * 1000 };
    for (const scope of (payload.openid?.scope ?? "").split(" ").filter(Boolean)) entry.scopes.add(scope);
    entry.since = Math.min(entry.since, (payload.iat ?? Infinity) * 1000);
    apps.set(grant.clientId, entry);
  }
  return [...apps.entries()]
    .map(([clientId, entry]) => ({
      client_id: clientId,
      name: clientName(findClient(clientId), clientId),
      scopes: [...entry.scopes].sort(),
      since: new Date(Number.isFinite(entry.since) ? entry.since : Date.now()).toISOString(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Take an app's access back; false when it had none. */
export async function revokeAppAccess(userId: number, clientId: string, client: Client): Promise<boolean> {
  return writeTransaction(async (tx) => {
    const consent = await tx
      .delete(oidcConsents)
      .where(and(eq(oidcConsents.userId, userId), eq(oidcConsents.clientId, clientId)))
      .returning({ clientId: oidcConsents.clientId });
    const grants = await tx
      .select({ id: oidcModels.id })
      .from(oidcModels)
      .where(and(eq(oidcModels.model, "Grant"), eq(oidcModels.accountId, userId), eq(oidcModels.clientId, clientId)));
    if (consent.length === 0 && grants.length === 0) return false;
    await revokeGrants(tx, grants.map((grant) => grant.id));
    await recordSecurityEventIn(tx, { userId, type: "app_access_revoked", client, detail: { app: clientName(findClient(clientId), clientId), client_id: clientId } });
    return true;
  });
}
