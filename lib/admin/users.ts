import "server-only";
import { and, count, desc, eq, inArray, isNotNull, or, sql, type SQL } from "drizzle-orm";
import { getDb, type Queryable } from "@/lib/db";
import { passkeys, socialAccounts, totpCredentials, users, type User } from "@/db/schema";
import { listSecurityEvents } from "@/lib/auth/activity";
import { listUserSessions } from "@/lib/auth/session-list";
import { identityKey } from "@/lib/auth/user";
import type { AdminUser, AdminUserDetail } from "@/lib/api-schemas";
import { pageOf, type Page, type PageRequest } from "./pages";

// What administrators see of an account (GET /api/admin/users/…; docs/api.md): who it is
// and how it signs in, never a secret (no password hash, token hash, TOTP secret or
// recovery code is ever selected here).

export type { AdminUser };

/** The columns an administrator may see: the secrets are never read for them. */
const visible = {
  id: users.id,
  username: users.username,
  email: users.email,
  emailVerified: users.emailVerified,
  role: users.role,
  disabledAt: users.disabledAt,
  createdAt: users.createdAt,
  lastLoginAt: users.lastLoginAt,
};
type VisibleUser = Pick<User, "id" | "username" | "email" | "emailVerified" | "role" | "disabledAt" | "createdAt" | "lastLoginAt">;

/** The list's entries for these rows: providers, TOTP and passkey counts in three queries for the whole page. */
export async function describeUsers(q: Queryable, rows: VisibleUser[]): Promise<AdminUser[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [linked, totp, keys] = await Promise.all([
    q.select({ userId: socialAccounts.userId, provider: socialAccounts.provider }).from(socialAccounts).where(inArray(socialAccounts.userId, ids)),
    q.select({ userId: totpCredentials.userId }).from(totpCredentials).where(and(inArray(totpCredentials.userId, ids), isNotNull(totpCredentials.confirmedAt))),
    q.select({ userId: passkeys.userId, n: count() }).from(passkeys).where(inArray(passkeys.userId, ids)).groupBy(passkeys.userId),
  ]);
  const withTotp = new Set(totp.map((t) => t.userId));
  const passkeyCount = new Map(keys.map((k) => [k.userId, Number(k.n)]));
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    email: r.email,
    email_verified: r.emailVerified,
    is_admin: r.role === "admin",
    disabled: r.disabledAt !== null,
    created_at: r.createdAt.toISOString(),
    last_login_at: r.lastLoginAt ? r.lastLoginAt.toISOString() : null,
    providers: linked.filter((l) => l.userId === r.id).map((l) => l.provider).sort(),
    totp: withTotp.has(r.id),
    passkeys: passkeyCount.get(r.id) ?? 0,
  }));
}

/** `%`, `_` and the escape itself match literally in a LIKE pattern with `escape '\'`. */
const likeEscaped = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Username or email containing `q`, without regard to case: on the case-folded key
 * columns, folded here the same way (SQLite's lower() folds ASCII only, so `ÉLODIE`
 * would miss `élodie` there; docs/api.md).
 */
function matching(q: string): SQL | undefined {
  const needle = identityKey(q.trim());
  if (!needle) return undefined;
  const pattern = `%${likeEscaped(needle)}%`;
  return or(sql`${users.usernameKey} like ${pattern} escape '\\'`, sql`${users.emailKey} like ${pattern} escape '\\'`);
}

/** One page of accounts, newest first, matching `q` if given; null for a page that does not exist. */
export async function listUsers(input: { q: string | null; page: PageRequest }): Promise<Page<AdminUser> | null> {
  const db = getDb();
  const where = input.q ? matching(input.q) : undefined;
  const [total] = await db.select({ n: count() }).from(users).where(where);
  return pageOf(input.page, Number(total?.n ?? 0), async (limit, offset) => {
    const rows = await db.select(visible).from(users).where(where).orderBy(desc(users.createdAt), desc(users.id)).limit(limit).offset(offset);
    return describeUsers(db, rows);
  });
}

/** One account as the list shows it. */
export async function getAdminUser(q: Queryable, id: number): Promise<AdminUser | null> {
  const [row] = await q.select(visible).from(users).where(eq(users.id, id));
  return row ? (await describeUsers(q, [row]))[0]! : null;
}

/** One account as the list shows it, read on its own. */
export const adminUserById = (id: number): Promise<AdminUser | null> => getAdminUser(getDb(), id);

/** One account with its live sessions and its last 50 events. `viewerSessionId` marks the administrator's own session. */
export async function getAdminUserDetail(id: number, viewerSessionId: string): Promise<AdminUserDetail | null> {
  const user = await getAdminUser(getDb(), id);
  if (!user) return null;
  const [sessions, activity] = await Promise.all([listUserSessions(id, viewerSessionId), listSecurityEvents(id)]);
  return { ...user, sessions, activity: activity.events };
}

/** A path segment that is a user id, or null (then the answer is 404). */
export function parseUserId(value: string): number | null {
  return /^[1-9]\d{0,14}$/.test(value) ? Number(value) : null;
}
