import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import type { Queryable } from "@/lib/db";
import { oidcModels } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { revokeGrants } from "./adapter";
import { queueBackchannelLogout, type BackchannelLogout } from "./backchannel";

// Gatehouse's session and the provider's are one (docs/decisions/043). Whenever Gatehouse
// sessions end, by whatever path (logout, a session revoked, refresh-token theft, a
// password reset, later an account disabled or deleted), lib/auth/session.ts calls this
// inside the same transaction: the provider sessions made in them end, the grants that
// came from them are revoked (their refresh and access tokens stop at once), and each app
// with a backchannel_logout_uri that the session signed in to gets a logout token from
// the outbox.

type SessionPayload = { accountId?: string; authorizations?: Record<string, { sid?: string; grantId?: string }> };

export async function endProviderSessions(tx: Queryable, gatehouseSessionIds: string[]): Promise<void> {
  if (gatehouseSessionIds.length === 0) return;
  const rows = await tx
    .select({ model: oidcModels.model, id: oidcModels.id, payload: oidcModels.payload })
    .from(oidcModels)
    .where(and(inArray(oidcModels.model, ["Session", "Grant"]), inArray(oidcModels.sessionId, gatehouseSessionIds)));
  if (rows.length === 0) return;
  const withBackchannel = new Set(
    (getEnv().OIDC_CLIENTS ?? []).filter((client) => client.backchannel_logout_uri && !client.disabled).map((client) => client.client_id),
  );
  const grantIds = new Set<string>();
  const logouts: BackchannelLogout[] = [];
  for (const row of rows) {
    if (row.model === "Grant") {
      grantIds.add(row.id);
      continue;
    }
    const session = JSON.parse(row.payload) as SessionPayload;
    for (const [clientId, authorization] of Object.entries(session.authorizations ?? {})) {
      if (authorization.grantId) grantIds.add(authorization.grantId);
      if (session.accountId && authorization.sid && withBackchannel.has(clientId)) {
        logouts.push({ clientId, sub: session.accountId, sid: authorization.sid });
      }
    }
  }
  await revokeGrants(tx, [...grantIds]);
  const sessionIds = rows.filter((row) => row.model === "Session").map((row) => row.id);
  if (sessionIds.length) await tx.delete(oidcModels).where(and(eq(oidcModels.model, "Session"), inArray(oidcModels.id, sessionIds)));
  await queueBackchannelLogout(tx, logouts);
}
