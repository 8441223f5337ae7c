import "server-only";
import { asc, eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { socialAccounts, users, type User } from "@/db/schema";

// Usernames and emails are unique without regard to case: lookups compare lower(),
// which the unique indexes on lower(username) and lower(email) serve.

export type PublicUser = { id: number; username: string; email: string; email_verified: boolean };
export type Profile = PublicUser & { providers: string[] };

export function getUserById(id: number): User | null {
  return getDb().select().from(users).where(eq(users.id, id)).get() ?? null;
}

export function getUserByEmail(email: string): User | null {
  return (
    getDb()
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${email})`)
      .get() ?? null
  );
}

export function isUsernameTaken(username: string): boolean {
  return !!getDb()
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.username}) = lower(${username})`)
    .get();
}

/** The user object of the login response (api.md). */
export function toPublicUser(user: User): PublicUser {
  return { id: user.id, username: user.username, email: user.email, email_verified: user.emailVerified };
}

export function getUserProviders(userId: number): string[] {
  return getDb()
    .select({ provider: socialAccounts.provider })
    .from(socialAccounts)
    .where(eq(socialAccounts.userId, userId))
    .orderBy(asc(socialAccounts.provider))
    .all()
    .map((row) => row.provider);
}

/** The body of GET /api/auth/me/. */
export function getProfile(user: User): Profile {
  return { ...toPublicUser(user), providers: getUserProviders(user.id) };
}
