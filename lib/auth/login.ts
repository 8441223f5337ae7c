import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { users, type User } from "@/db/schema";
import { getEnv } from "@/lib/env";
import type { LoginInput } from "@/lib/validation";
import { dummyPasswordHash, hashPassword, needsRehash, verifyPasswordHash } from "./password";
import { checkAccountSecret } from "./rate-limit";
import { startSession, type SessionGrant } from "./session";
import { getUserByEmail } from "./user";

export type LoginResult =
  | { ok: true; user: User; grant: SessionGrant }
  | { ok: false; reason: "invalid_credentials" | "email_not_verified" }
  | { ok: false; reason: "locked"; retryAfter: number };

/**
 * Email + password login. An unknown email, a wrong password and an account without a
 * password answer the same, and take the same time: a real argon2 verification runs
 * in every case, against a dummy hash when there is nothing else (docs/api.md, login).
 */
export async function loginWithPassword(
  input: LoginInput,
  client: { userAgent: string | null; ip: string | null },
): Promise<LoginResult> {
  const user = await getUserByEmail(input.email);
  const checked = await checkAccountSecret(input.email, async () => {
    const storedHash = user?.passwordHash ?? (await dummyPasswordHash());
    const matches = await verifyPasswordHash(storedHash, input.password);
    return Boolean(user?.passwordHash) && matches;
  });
  if (checked.locked) return { ok: false, reason: "locked", retryAfter: checked.retryAfter };
  if (!checked.passed || !user?.passwordHash) return { ok: false, reason: "invalid_credentials" };

  if (needsRehash(user.passwordHash)) {
    const upgraded = await hashPassword(input.password);
    await getDb().update(users).set({ passwordHash: upgraded, updatedAt: new Date() }).where(eq(users.id, user.id));
  }
  // Said only to someone who has just proven the password, so it reveals nothing.
  if (getEnv().REQUIRE_VERIFIED_EMAIL && !user.emailVerified) return { ok: false, reason: "email_not_verified" };

  const grant = await startSession({ userId: user.id, ...client });
  return { ok: true, user, grant };
}
