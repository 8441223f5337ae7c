import "server-only";
import { NO_CLIENT, recordSecurityEventIn, type Client } from "./activity";
import { and, eq, gt, isNull } from "drizzle-orm";
import { writeTransaction, type Queryable } from "@/lib/db";
import { emailVerificationTokens, users, type User } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { emailCapSpent, queueEmail } from "@/lib/email/send";
import { verificationEmail } from "@/lib/email/templates";
import { LinkTokenSchema } from "@/lib/validation";
import { getUserByEmail, getUserById } from "./user";

// Verification tokens: 256 random bits, stored as SHA-256, single use, valid
// VERIFICATION_TOKEN_TTL (24 h by default). Verifying consumes every outstanding token.

/**
 * Create a token for `user` and queue the email that carries it; returns the email's
 * id, or null when the address's hourly email cap is spent (then no token is made).
 * Call inside a write transaction.
 */
export async function queueVerificationEmail(
  tx: Queryable,
  user: Pick<User, "id" | "email" | "username">,
  now = Date.now(),
): Promise<number | null> {
  if (await emailCapSpent(tx, user.email, now)) return null;
  const env = getEnv();
  const token = randomToken(32);
  const expiresAt = new Date(now + env.VERIFICATION_TOKEN_TTL * 1000);
  await tx.insert(emailVerificationTokens).values({ userId: user.id, tokenHash: sha256(token), createdAt: new Date(now), expiresAt });
  const link = `${env.APP_URL}/verify-email/?token=${encodeURIComponent(token)}`;
  return queueEmail(
    tx,
    verificationEmail({
      to: user.email,
      username: user.username,
      link,
      validForSeconds: env.VERIFICATION_TOKEN_TTL,
      expiresAt,
    }),
    "request",
    now,
  );
}

export type VerifyEmailResult = { ok: true; userId: number } | { ok: false; reason: "invalid_or_expired" };

export async function verifyEmailToken(token: unknown, now = Date.now(), client: Client = NO_CLIENT): Promise<VerifyEmailResult> {
  const parsed = LinkTokenSchema.safeParse(token);
  if (!parsed.success) return { ok: false, reason: "invalid_or_expired" };
  return writeTransaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(emailVerificationTokens)
      .where(
        and(
          eq(emailVerificationTokens.tokenHash, sha256(parsed.data)),
          isNull(emailVerificationTokens.usedAt),
          gt(emailVerificationTokens.expiresAt, new Date(now)),
        ),
      );
    if (!row) return { ok: false, reason: "invalid_or_expired" } as const;
    await tx.update(users).set({ emailVerified: true, updatedAt: new Date(now) }).where(eq(users.id, row.userId));
    await consumeVerificationTokens(tx, row.userId, now);
    await recordSecurityEventIn(tx, { userId: row.userId, type: "email_verified", client, detail: {} }, now);
    return { ok: true, userId: row.userId } as const;
  });
}

/** The address is proven (a link, a reset, a provider): outstanding verification links have nothing left to do. */
export async function consumeVerificationTokens(tx: Queryable, userId: number, now: number | Date): Promise<void> {
  await tx
    .update(emailVerificationTokens)
    .set({ usedAt: new Date(now) })
    .where(and(eq(emailVerificationTokens.userId, userId), isNull(emailVerificationTokens.usedAt)));
}

