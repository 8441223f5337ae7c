import "server-only";
import { and, asc, count, eq, isNull } from "drizzle-orm";
import { accountLock, getDb, lockFor, writeTransaction, type Queryable } from "@/lib/db";
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

/** The lock every removal of an administrator holds from its count to its commit. */
const ADMINS_LOCK = "admins";

/**
 * True when taking `user` away (demoting, disabling or deleting it) would leave no
 * administrator who can act. Call inside the change's writeTransaction, holding the
 * target's account lock (so `user` is current): it takes the administrators' lock before
 * counting and holds it to the commit, so two administrators removing each other at once,
 * on any instance, take turns and the second counts the first's removal
 * (docs/decisions/026). Adding one (grant, enable) needs no lock: it cannot break the rule.
 */
export async function isLastAdmin(q: Queryable, user: Pick<User, "role" | "disabledAt">): Promise<boolean> {
  if (user.role !== "admin" || user.disabledAt !== null) return false;
  await lockFor(q, ADMINS_LOCK);
  return (await activeAdminCount(q)) <= 1;
}

export type RoleChange =
  | { ok: true; user: User; changed: boolean }
  | { ok: false; reason: "not_found" | "last_admin" };

/** Set the role of the account `target` names (by id, or by address from the shell), recorded in the audit. */
export function setRole(input: { target: { id: number } | { email: string }; role: UserRole; actor: AuditActor; reason?: string | null }, now = Date.now()): Promise<RoleChange> {
  return writeTransaction(async (tx): Promise<RoleChange> => {
    const where = "id" in input.target ? eq(users.id, input.target.id) : emailIs(input.target.email);
    const [found] = await tx.select({ id: users.id }).from(users).where(where);
    if (!found) return { ok: false, reason: "not_found" };
    // The role read decides "nothing to do" and the audit entry: changes of one account
    // take turns on its lock (two grants at once write one entry), and read it after.
    await lockFor(tx, accountLock(found.id));
    const [user] = await tx.select().from(users).where(eq(users.id, found.id));
    if (!user) return { ok: false, reason: "not_found" };
    if (user.role === input.role) return { ok: true, user, changed: false };
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
