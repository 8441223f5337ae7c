import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { databasePath } from "@/db/client";
import { getDb } from "@/lib/db";
import { emails, users, type Email, type User } from "@/db/schema";
import { hashPassword } from "@/lib/auth/password";
import { startSession } from "@/lib/auth/session";
import { resetSingletons } from "@/lib/singleton";
import { normalizeEmail } from "@/lib/validation";
import { newUserRow } from "@/lib/auth/user";

// Shared arrangements for the unit tests. Each test already has a fresh, migrated
// database (tests/support/unit-setup.ts); these write to it the way the app would.

export const PASSWORD = "correct horse battery staple";

let sequence = 0;

/** A user row with a real argon2id hash (or none, for a social-only account). */
export async function createUser(
  input: { username?: string; email?: string; password?: string | null; emailVerified?: boolean } = {},
): Promise<User & { password: string | null }> {
  sequence += 1;
  const password = input.password === undefined ? PASSWORD : input.password;
  const [user] = await getDb()
    .insert(users)
    .values(
      newUserRow({
      username: input.username ?? `user${sequence}`,
      // Stored as registration stores it: trimmed, domain lower-cased.
      email: normalizeEmail(input.email ?? `user${sequence}@example.com`),
      passwordHash: password === null ? null : await hashPassword(password),
      emailVerified: input.emailVerified ?? false,
      }),
    )
    .returning();
  return { ...user!, password };
}

export async function getUserRow(id: number): Promise<User> {
  const [user] = await getDb().select().from(users).where(eq(users.id, id));
  if (!user) throw new Error(`no user ${id}`);
  return user;
}

export function allEmails(): Promise<Email[]> {
  return getDb().select().from(emails).orderBy(emails.id);
}

/** The queued email `id`; null (nothing was queued) fails the test. */
export async function getEmail(id: number | null): Promise<Email> {
  if (id === null) throw new Error("no email was queued");
  const [email] = await getDb().select().from(emails).where(eq(emails.id, id));
  if (!email) throw new Error(`no email ${id}`);
  return email;
}

/** The `?token=` of the verification link in a queued message's text part. */
export function verificationTokenIn(email: Pick<Email, "text">): string {
  const match = email.text?.match(/\/verify-email\/\?token=([A-Za-z0-9_-]+)/);
  if (!match?.[1]) throw new Error(`no verification link in:\n${email.text}`);
  return match[1];
}

/**
 * A second connection to the test's database file, as another process would open it: it
 * sees what the app has committed, and nothing of a transaction still open.
 */
export function withRawConnection<T>(use: (db: Database.Database) => T): T {
  getDb(); // created and migrated as the app would, if it was not yet
  const db = new Database(databasePath(process.env.DATABASE_URL!));
  try {
    db.pragma("busy_timeout = 5000");
    return use(db);
  } finally {
    db.close();
  }
}

/** Every committed row of a table, raw, as SQLite holds it. */
export function rawRows(table: string): Array<Record<string, unknown>> {
  return withRawConnection((db) => db.prepare(`select * from ${table}`).all() as Array<Record<string, unknown>>);
}

/** SHA-256 hex computed independently of lib/crypto.ts. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** Change configuration after getEnv() may already have been read. */
export function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetSingletons("env");
}

/** A session for a user who just signed in (its current credentials), as completeSignIn starts one. */
export async function newSession(input: { userId: number; userAgent: string | null; ip: string | null }) {
  const user = await getUserRow(input.userId);
  const grant = await startSession(input, { credentialsVersion: user.credentialsVersion });
  if (!grant) throw new Error("startSession refused a fresh proof");
  return grant;
}
