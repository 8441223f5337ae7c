import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { errors, type Adapter, type AdapterPayload } from "oidc-provider";
import { getDb, type Queryable } from "@/lib/db";
import { oidcModels } from "@/db/schema";
import { singleton } from "@/lib/singleton";

// oidc-provider's storage, on Gatehouse's database through the data-access seam
// (docs/decisions/003, 041): one table, one row per model instance, the payload as JSON.
// Nothing lives in this process's memory that another instance would need: a code issued
// by one instance is exchanged at another, and a refresh token rotated on one is refused
// as reused on the other.

/**
 * The Gatehouse session behind the request being served (the refresh cookie's session), set
 * by the provider's middleware and the interaction routes. A provider session or a grant
 * written under it is linked to it, so that it ends with it (lib/oidc/session-end.ts).
 */
const gatehouseSession = singleton("oidc-gatehouse-session", () => new AsyncLocalStorage<{ sessionId: string | null }>());

export function withGatehouseSession<T>(sessionId: string | null, run: () => T): T {
  return gatehouseSession.run({ sessionId }, run);
}

/** Models whose rows are tied to the Gatehouse session they were made in. */
const SESSION_LINKED = new Set(["Session", "Grant"]);

const accountIdOf = (payload: AdapterPayload): number | null => {
  const id = payload.accountId;
  return typeof id === "string" && /^\d{1,15}$/.test(id) ? Number(id) : null;
};

/** Kept in an interaction's payload: when the authorization request that began it arrived. */
const STARTED_AT = "gatehouseStartedAt";

/** When the interaction `uid` began (ms), for "a sign-in after this request" (prompt=login, max_age). */
export function interactionStartedAt(uid: string): Promise<number | null> {
  return new DatabaseAdapter("Interaction").startedAt(uid);
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export class DatabaseAdapter implements Adapter {
  constructor(private readonly model: string) {}

  private where(id: string) {
    return and(eq(oidcModels.model, this.model), eq(oidcModels.id, id));
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    if (this.model === "Interaction") payload = { ...payload, [STARTED_AT]: (await this.startedAt(id)) ?? Date.now() };
    const sessionId = SESSION_LINKED.has(this.model) ? (gatehouseSession.getStore()?.sessionId ?? null) : null;
    const row = {
      payload: JSON.stringify(payload),
      // A grant's own row carries its id too, so that "everything of grant G" is one condition.
      grantId: this.model === "Grant" ? id : (payload.grantId ?? null),
      uid: payload.uid ?? null,
      userCode: payload.userCode ?? null,
      accountId: accountIdOf(payload),
      clientId: payload.clientId ?? null,
      expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
    };
    await getDb()
      .insert(oidcModels)
      .values({ model: this.model, id, ...row, sessionId })
      .onConflictDoUpdate({
        target: [oidcModels.model, oidcModels.id],
        // A save outside any Gatehouse request (the token endpoint) keeps the link it had.
        set: sessionId ? { ...row, sessionId } : row,
      });
  }

  /** When an interaction began, to the millisecond (its iat is whole seconds). */
  async startedAt(id: string): Promise<number | null> {
    const [row] = await getDb().select({ payload: oidcModels.payload }).from(oidcModels).where(this.where(id));
    const value = row ? (JSON.parse(row.payload) as Record<string, unknown>)[STARTED_AT] : null;
    return typeof value === "number" ? value : null;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const [row] = await getDb().select().from(oidcModels).where(this.where(id));
    return row ? this.payloadOf(row) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const [row] = await getDb()
      .select()
      .from(oidcModels)
      .where(and(eq(oidcModels.model, this.model), eq(oidcModels.uid, uid)));
    return row ? this.payloadOf(row) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const [row] = await getDb()
      .select()
      .from(oidcModels)
      .where(and(eq(oidcModels.model, this.model), eq(oidcModels.userCode, userCode)));
    return row ? this.payloadOf(row) : undefined;
  }

  private payloadOf(row: typeof oidcModels.$inferSelect): AdapterPayload | undefined {
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    return row.consumedAt ? { ...payload, consumed: seconds(row.consumedAt) } : payload;
  }

  async destroy(id: string): Promise<void> {
    await getDb().delete(oidcModels).where(this.where(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await getDb()
      .delete(oidcModels)
      .where(and(eq(oidcModels.model, this.model), eq(oidcModels.grantId, grantId)));
  }

  /**
   * Spend a code or refresh token: one conditional update, so that of two requests that
   * both found it unspent (on one instance or two) exactly one wins. The loser is a replay
   * in all but timing: everything the grant issued is revoked (RFC 6749 §4.1.2, RFC 9700
   * §4.14.2) and the answer is invalid_grant.
   */
  async consume(id: string): Promise<void> {
    const spent = await getDb()
      .update(oidcModels)
      .set({ consumedAt: new Date() })
      .where(and(this.where(id), isNull(oidcModels.consumedAt)))
      .returning({ grantId: oidcModels.grantId });
    if (spent.length > 0) return;
    const [row] = await getDb().select({ grantId: oidcModels.grantId }).from(oidcModels).where(this.where(id));
    if (row?.grantId) await revokeGrants(getDb(), [row.grantId]);
    throw new errors.InvalidGrant("grant already used");
  }
}

/** Everything a grant issued (codes, access and refresh tokens) and the grant itself. */
export async function revokeGrants(q: Queryable, grantIds: string[]): Promise<void> {
  if (grantIds.length === 0) return;
  await q.delete(oidcModels).where(inArray(oidcModels.grantId, grantIds));
}

/** Expired rows of every model (hourly, lib/startup.ts); returns how many went. */
export async function purgeExpiredOidcModels(now = Date.now()): Promise<number> {
  const gone = await getDb()
    .delete(oidcModels)
    .where(and(sql`${oidcModels.expiresAt} is not null`, lt(oidcModels.expiresAt, new Date(now))))
    .returning({ id: oidcModels.id });
  return gone.length;
}
