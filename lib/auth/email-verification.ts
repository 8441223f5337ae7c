import "server-only";
import { NO_CLIENT, recordSecurityEventIn, type Client } from "./activity";
import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { getDb, writeTransaction, type Queryable } from "@/lib/db";
import { emailVerificationTokens, users, type User } from "@/db/schema";
import { randomToken, sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { emailCapSpent, queueEmail } from "@/lib/email/send";
import { verificationEmail } from "@/lib/email/templates";
import { LinkTokenSchema } from "@/lib/validation";
import { checkEmailChangeLink, confirmEmailChangeIn } from "@/lib/account/email-change";
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

/** A verification token by its hash, whatever its state, with whether its address is verified. */
async function findVerificationToken(q: Queryable, token: string) {
  const [row] = await q
    .select({ token: emailVerificationTokens, verified: users.emailVerified })
    .from(emailVerificationTokens)
    .innerJoin(users, eq(users.id, emailVerificationTokens.userId))
    .where(eq(emailVerificationTokens.tokenHash, sha256(token)))
    .limit(1);
  return row ?? null;
}

/**
 * Verify the address of an emailed link. `again: "verified"` is the page's button
 * (docs/api.md, email links): a link used before, or one whose address another link or
 * a reset verified meanwhile, answers as verified instead of "this link does not work"
 * (a second click, a reload, a mail scanner that opened it first). Without it, the seed's
 * GET: only an unused, unexpired token verifies.
 */
export async function verifyEmailToken(
  token: unknown,
  now = Date.now(),
  client: Client = NO_CLIENT,
  options: { again?: "verified" | "invalid" } = {},
): Promise<VerifyEmailResult> {
  const parsed = LinkTokenSchema.safeParse(token);
  if (!parsed.success) return { ok: false, reason: "invalid_or_expired" };
  const tokenHash = sha256(parsed.data);
  return writeTransaction(async (tx) => {
    // One statement that decides and writes (docs/decisions/003): if the presented link is
    // live, every live link of its account is spent at once, this one among them. Of two
    // clicks at once (two instances) one spends them; the other finds nothing left.
    const live = tx
      .select({ userId: emailVerificationTokens.userId })
      .from(emailVerificationTokens)
      .where(and(eq(emailVerificationTokens.tokenHash, tokenHash), isNull(emailVerificationTokens.usedAt), gt(emailVerificationTokens.expiresAt, new Date(now))));
    const spent = await tx
      .update(emailVerificationTokens)
      .set({ usedAt: new Date(now) })
      .where(and(inArray(emailVerificationTokens.userId, live), isNull(emailVerificationTokens.usedAt)))
      .returning({ userId: emailVerificationTokens.userId, tokenHash: emailVerificationTokens.tokenHash });
    const claimed = spent.find((row) => row.tokenHash === tokenHash);
    if (!claimed) {
      const row = await findVerificationToken(tx, parsed.data);
      if (!row) {
        // The confirmation link of an email change lands on the same page and API (docs/api.md).
        const changed = await confirmEmailChangeIn(tx, parsed.data, { again: options.again, client }, now);
        return changed?.ok ? ({ ok: true, userId: changed.userId } as const) : ({ ok: false, reason: "invalid_or_expired" } as const);
      }
      // Used before (or by the click beside this one), expired: verified anyway?
      if (options.again !== "verified") return { ok: false, reason: "invalid_or_expired" } as const;
      return row.verified ? ({ ok: true, userId: row.token.userId } as const) : ({ ok: false, reason: "invalid_or_expired" } as const);
    }
    await tx.update(users).set({ emailVerified: true, updatedAt: new Date(now) }).where(eq(users.id, claimed.userId));
    await recordSecurityEventIn(tx, { userId: claimed.userId, type: "email_verified", client, detail: {} }, now);
    return { ok: true, userId: claimed.userId } as const;
  });
}

/**
 * What the page of a verification link shows before anything changes: the button, or the
 * outcome already; `emailChange` for the link of a change of address (its page words it so).
 */
export type VerificationLinkState = { ok: true; state: "ready" | "verified"; emailChange: boolean } | { ok: false; reason: "invalid_or_expired" };

/** Read-only: what pressing the page's button would do. A scanner that opens the page changes nothing. */
export async function checkVerificationLink(token: unknown, now = Date.now()): Promise<VerificationLinkState> {
  const parsed = LinkTokenSchema.safeParse(token);
  const row = parsed.success ? await findVerificationToken(getDb(), parsed.data) : null;
  if (!row) {
    const change = parsed.success ? await checkEmailChangeLink(parsed.data, now) : null;
    return change?.ok ? { ok: true, state: change.state, emailChange: true } : { ok: false, reason: "invalid_or_expired" };
  }
  if (row.verified) return { ok: true, state: "verified", emailChange: false };
  const usable = row.token.usedAt === null && row.token.expiresAt.getTime() > now;
  return usable ? { ok: true, state: "ready", emailChange: false } : { ok: false, reason: "invalid_or_expired" };
}

/** The address is proven (a link, a reset, a provider): outstanding verification links have nothing left to do. */
export async function consumeVerificationTokens(tx: Queryable, userId: number, now: number | Date): Promise<void> {
  await tx
    .update(emailVerificationTokens)
    .set({ usedAt: new Date(now) })
    .where(and(eq(emailVerificationTokens.userId, userId), isNull(emailVerificationTokens.usedAt)));
}

