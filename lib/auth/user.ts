import "server-only";
import { asc, eq, sql, type SQL } from "drizzle-orm";
import { getDb, preparedQuery } from "@/lib/db";
import { socialAccounts, users, type User } from "@/db/schema";
import type { Profile, PublicUser } from "@/lib/api-schemas";

// Usernames and emails are unique without regard to case (docs/api.md). The comparison runs
// on case-folded keys computed here, stored beside the values with unique indexes:
// SQLite's own lower() folds ASCII only, and usernames may be letters of any script.

/** The form two usernames (or emails) share when they differ only by case or width. */
export function identityKey(value: string): string {
  // Upper then lower folds more than lower alone (ß and SS, final and medial sigma).
  return value.normalize("NFKC").toUpperCase().toLowerCase();
}

export type NewUser = Omit<typeof users.$inferInsert, "usernameKey" | "emailKey">;

/** The row to insert for a new user, with its keys. Every insert goes through this. */
export function newUserRow(user: NewUser): typeof users.$inferInsert {
  return { ...user, usernameKey: identityKey(user.username), emailKey: identityKey(user.email) };
}

export const usernameIs = (username: string): SQL => eq(users.usernameKey, identityKey(username));
export const emailIs = (email: string): SQL => eq(users.emailKey, identityKey(email));

export async function getUserById(id: number): Promise<User | null> {
  const [user] = await getDb().select().from(users).where(eq(users.id, id));
  return user ?? null;
}

export async function getUserByEmail(email: string): Promise<User | null> {
  // Built once: every login runs it (docs/benchmarks.md). The same condition as emailIs().
  const query = preparedQuery(getDb(), "user-by-email", (db) =>
    db.select().from(users).where(eq(users.emailKey, sql.placeholder("emailKey"))).prepare(),
  );
  const [user] = await query.execute({ emailKey: identityKey(email) });
  return user ?? null;
}

export async function isUsernameTaken(username: string): Promise<boolean> {
  const [user] = await getDb().select({ id: users.id }).from(users).where(usernameIs(username));
  return user !== undefined;
}

/** The user object of the login response (docs/api.md). */
export function toPublicUser(user: User): PublicUser {
  return { id: user.id, username: user.username, email: user.email, email_verified: user.emailVerified };
}

export async function getUserProviders(userId: number): Promise<Profile["providers"]> {
  const query = preparedQuery(getDb(), "user-providers", (db) =>
    db
      .select({ provider: socialAccounts.provider })
      .from(socialAccounts)
      .where(eq(socialAccounts.userId, sql.placeholder("userId")))
      .orderBy(asc(socialAccounts.provider))
      .prepare(),
  );
  return (await query.execute({ userId })).map((row) => row.provider);
}

/** The body of GET /api/auth/me/. */
export async function getProfile(user: User): Promise<Profile> {
  const profile: Profile = { ...toPublicUser(user), providers: await getUserProviders(user.id) };
  return user.role === "admin" ? { ...profile, is_admin: true } : profile;
}
