import "server-only";
import { count, desc, lt } from "drizzle-orm";
import { getDb, type Queryable } from "@/lib/db";
import { adminAudit, type AdminAuditEntry } from "@/db/schema";
import type { AdminAction } from "@/db/security-event-types";
import type { AuditEntry } from "@/lib/api-schemas";
import { pageOf, type PageRequest, type Page } from "./pages";

// The administrators' audit (docs/api.md, administration): every change an administrator
// makes, written in the change's own transaction (both or neither), kept a year. An entry
// keeps the ids and addresses as they were, so it outlives either account.

export const AUDIT_RETENTION_MS = 365 * 24 * 60 * 60 * 1000;

/** Who acted: an administrator through the API (with the request's address), or the server's shell. */
export type AuditActor = { kind: "admin"; id: number; email: string; ip: string | null } | { kind: "shell" };

export type AuditInput = {
  action: AdminAction;
  actor: AuditActor;
  target: { id: number; email: string } | null;
  reason?: string | null;
};

export async function recordAdminActionIn(tx: Queryable, input: AuditInput, now = Date.now()): Promise<void> {
  const admin = input.actor.kind === "admin" ? input.actor : null;
  await tx.insert(adminAudit).values({
    at: new Date(now),
    action: input.action,
    adminId: admin?.id ?? null,
    adminEmail: admin?.email ?? null,
    targetId: input.target?.id ?? null,
    targetEmail: input.target?.email ?? null,
    reason: input.reason ?? null,
    ip: admin?.ip ?? null,
  });
}

/** An entry of GET /api/admin/audit/. `admin` is null for a change made from the server's shell. */
type AuditItem = AuditEntry;

const toItem = (row: AdminAuditEntry): AuditItem => ({
  id: row.id,
  at: row.at.toISOString(),
  action: row.action,
  admin: row.adminId === null && row.adminEmail === null ? null : { id: row.adminId, email: row.adminEmail },
  target: row.targetId === null && row.targetEmail === null ? null : { id: row.targetId, email: row.targetEmail },
  reason: row.reason,
  ip: row.ip,
});

/** One page of the audit, newest first. */
export async function listAdminAudit(request: PageRequest): Promise<Page<AuditItem> | null> {
  const db = getDb();
  const [total] = await db.select({ n: count() }).from(adminAudit);
  return pageOf(request, total?.n ?? 0, async (limit, offset) =>
    (await db.select().from(adminAudit).orderBy(desc(adminAudit.at), desc(adminAudit.id)).limit(limit).offset(offset)).map(toItem),
  );
}

/** Entries older than a year go (on the hourly schedule: lib/startup.ts). */
export async function trimAdminAudit(now = Date.now()): Promise<number> {
  const gone = await getDb().delete(adminAudit).where(lt(adminAudit.at, new Date(now - AUDIT_RETENTION_MS))).returning({ id: adminAudit.id });
  return gone.length;
}
