import "server-only";
import { and, asc, count, eq, isNull } from "drizzle-orm";
import { getDb, writeTransaction, type Queryable } from "@/lib/db";
import { users, type User } from "@/db/schema";
import { recordSecurityEventIn, NO_CLIENT } from "@/lib/auth/activity";
import { emailIs } from "@/lib/auth/user";
import type { UserRole } from "@/db/security-event-types";
import { recordAdminActionIn, type AuditActor } from "./audit";

// Who is an administrator (docs/api.md, administration): users.role, set from the
// server's shell (`npm run admin -- grant|revoke EMAIL`, the bootstrap) or by another
// administrator. There is always one who can act: the last administrator who is not
// disabled cannot be demoted, disabled or deleted (409 `last_admin`), by the API or the shell.

/** Administrators who can act: the role, and not disabled. */
async function activeAdminCount(q: Queryable): Promise<number> {
  const [row] = await q.select({ n: count() }).from(users).where(and(eq(users.role, "admin"), isNull(users.disabledAt)));
  return row?.n ?? 0;
}

/**
 * True when taking `user` away (demoting, disabling or deleting it) would leave no
 * administrator who can act. Call inside the change's writeTransaction, which serializes
 * it against every other, so two administrators removing each other cannot both pass.
 */
// LOCK: between this count and the caller's write (demote, disable, erase), no other
// transaction may demote, disable, erase or enable an administrator; every caller holds it.
export async function isLastAdmin(q: Queryable, user: Pick<User, "role" | "disabledAt">): Promise<boolean> {
  return user.role === "admin" && user.disabledAt === null && (await activeAdminCount(q)) <= 1;
}

export type RoleChange =
  | { ok: true; user: User; changed: boolean }
  | { ok: false; reason: "not_found" | "last_admin" };

/** Set the role of the account `target` names (by id, or by address from the shell), recorded in the audit. */
export function setRole(input: { target: { id: number } | { email: string }; role: UserRole; actor: AuditActor; reason?: string | null }, now = Date.now()): Promise<RoleChange> {
  return writeTransaction(async (tx): Promise<RoleChange> => {
    const where = "id" in input.target ? eq(users.id, input.target.id) : emailIs(input.target.email);
    const [user] = await tx.select().from(users).where(where);
    if (!user) return { ok: false, reason: "not_found" };
    // LOCK: the role read here decides "nothing to do" and the audit entry: a role change of
    // the same account must not interleave (two grants would write two entries).
    if (user.role === input.role) return { ok: true, user, changed: false };
    // LOCK: the administrators' count (isLastAdmin) must not change before the update below.
    if (input.role === "user" && (await isLastAdmin(tx, user))) return { ok: false, reason: "last_admin" };
    const [changed] = await tx.update(users).set({ role: input.role, updatedAt: new Date(now) }).where(eq(users.id, user.id)).returning();
    await recordAdminActionIn(tx, { action: input.role === "admin" ? "role_granted" : "role_revoked", actor: input.actor, target: { id: user.id, email: user.email }, reason: input.reason }, now);
    // The owner's activity says what, not from where: an administrator's address is not theirs to see.
    await recordSecurityEventIn(tx, { userId: user.id, type: "admin_role_changed", client: NO_CLIENT, detail: { role: input.role } }, now);
    return { ok: true, user: changed!, changed: true };
  });
}

/** Every account with the role, for `npm run admin -- list`. */
export async function listAdministrators(): Promise<Array<{ email: string; disabled: boolean }>> {
  const rows = await getDb().select({ email: users.email, disabledAt: users.disabledAt }).from(users).where(eq(users.role, "admin")).orderBy(asc(users.id));
  return rows.map((r) => ({ email: r.email, disabled: r.disabledAt !== null }));
}
