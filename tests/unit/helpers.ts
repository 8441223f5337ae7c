import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { emails, users, type Email, type User } from "@/db/schema";
import { hashPassword } from "@/lib/auth/password";
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
  const user = getDb()
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
    .returning()
    .get();
  return { ...user, password };
}

export function getUserRow(id: number): User {
  const user = getDb().select().from(users).where(eq(users.id, id)).get();
  if (!user) throw new Error(`no user ${id}`);
  return user;
}

export function allEmails(): Email[] {
  return getDb().select().from(emails).orderBy(emails.id).all();
}

/** The queued email `id`; null (nothing was queued) fails the test. */
export function getEmail(id: number | null): Email {
  if (id === null) throw new Error("no email was queued");
  const email = getDb().select().from(emails).where(eq(emails.id, id)).get();
  if (!email) throw new Error(`no email ${id}`);
  return email;
}

/** The `?token=` of the verification link in a queued message's text part. */
export function verificationTokenIn(email: Pick<Email, "text">): string {
  const match = email.text?.match(/\/verify-email\/\?token=([A-Za-z0-9_-]+)/);
  if (!match?.[1]) throw new Error(`no verification link in:\n${email.text}`);
  return match[1];
}

/** Every row of a table, raw, as SQLite holds it. */
export function rawRows(table: string): Array<Record<string, unknown>> {
  return getDb().$client.prepare(`select * from ${table}`).all() as Array<Record<string, unknown>>;
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
