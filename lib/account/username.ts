import "server-only";
import { and, eq, ne } from "drizzle-orm";
import { isUniqueViolation, writeTransaction } from "@/lib/db";
import { users, type User } from "@/db/schema";
import { recordSecurityEventIn, type Client } from "@/lib/auth/activity";
import { USERNAME_TAKEN } from "@/lib/auth/registration";
import { identityKey, usernameIs } from "@/lib/auth/user";
import type { FieldErrors } from "@/lib/validation";

// PATCH /api/auth/me/ (docs/api.md): a new username under register's rules, unique
// without regard to case among the other accounts (the account may change its own case).

export type UsernameChange =
  | { ok: true; user: User }
  | { ok: false; reason: "taken"; errors: FieldErrors }
  /** Erased since its token was checked (a delete racing this request). */
  | { ok: false; reason: "gone" };

export async function changeUsername(input: { userId: number; username: string; client: Client }, now = Date.now()): Promise<UsernameChange> {
  const attempt = () =>
    writeTransaction(async (tx): Promise<UsernameChange> => {
      const [user] = await tx.select().from(users).where(eq(users.id, input.userId));
      if (!user) return { ok: false, reason: "gone" };
      if (user.username === input.username) return { ok: true, user };
      const [other] = await tx.select({ id: users.id }).from(users).where(and(usernameIs(input.username), ne(users.id, user.id)));
      if (other) return { ok: false, reason: "taken", errors: { username: [USERNAME_TAKEN] } };
      const [changed] = await tx
        .update(users)
        .set({ username: input.username, usernameKey: identityKey(input.username), updatedAt: new Date(now) })
        .where(eq(users.id, user.id))
        .returning();
      await recordSecurityEventIn(tx, { userId: user.id, type: "username_changed", client: input.client, detail: { from: user.username, to: input.username } }, now);
      return { ok: true, user: changed! };
    });
  try {
    return await attempt();
  } catch (error) {
    // Another account took the name between the check and the write: the index decided.
    if (isUniqueViolation(error)) return attempt();
    throw error;
  }
}
