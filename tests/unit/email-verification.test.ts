import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { closeDb, getDb, writeTransaction } from "@/lib/db";
import { emailVerificationTokens } from "@/db/schema";
import { queueVerificationResend } from "@/lib/auth/claim";
import { queueVerificationEmail, verifyEmailToken } from "@/lib/auth/email-verification";
import { resetSingletons } from "@/lib/singleton";
import { allEmails, createUser, getEmail, getUserRow, rawRows, sha256Hex, verificationTokenIn } from "./helpers";

// docs/api.md, GET verify-email and POST verify-email/resend: 128+ random bits, stored only as
// SHA-256, single use, 24 hours, verifying consumes all of the user's tokens; resend
// only for unverified accounts, silently.

const invalid = { ok: false, reason: "invalid_or_expired" };

async function unverifiedUserWithToken(now = Date.now()) {
  const user = await createUser({ password: null });
  const emailId = await writeTransaction((tx) => queueVerificationEmail(tx, user, now));
  return { user, emailId, token: verificationTokenIn(await getEmail(emailId)) };
}

function tokenRows(userId: number) {
  return getDb().select().from(emailVerificationTokens).where(eq(emailVerificationTokens.userId, userId));
}

describe("queueVerificationEmail", () => {
  it("queues an email to the user with a link to the UI page carrying the token", async () => {
    const { user, emailId, token } = await unverifiedUserWithToken();
    const email = await getEmail(emailId);
    expect(email.to).toBe(user.email);
    expect(email.text).toContain(`http://127.0.0.1:3999/verify-email/?token=${token}`);
    expect(email.html).toContain(`http://127.0.0.1:3999/verify-email/?token=${token}`);
    expect(Buffer.from(token, "base64url").length).toBeGreaterThanOrEqual(16);
  });

  it("stores only the SHA-256 of the token", async () => {
    const { user, token } = await unverifiedUserWithToken();
    const [row] = await tokenRows(user.id);
    expect(row!.tokenHash).toBe(sha256Hex(token));
    expect(JSON.stringify(rawRows("email_verification_tokens"))).not.toContain(token);
  });

  it("makes the token valid for VERIFICATION_TOKEN_TTL (24 hours by default)", async () => {
    const now = Date.now();
    const { user } = await unverifiedUserWithToken(now);
    expect((await tokenRows(user.id))[0]!.expiresAt.getTime()).toBe(now + 86_400_000);
  });
});

describe("verifyEmailToken", () => {
  it("verifies the user's email", async () => {
    const { user, token } = await unverifiedUserWithToken();
    expect(await verifyEmailToken(token)).toEqual({ ok: true, userId: user.id });
    expect((await getUserRow(user.id)).emailVerified).toBe(true);
    expect((await tokenRows(user.id))[0]!.usedAt).not.toBeNull();
  });

  it("works once", async () => {
    const { token } = await unverifiedUserWithToken();
    expect((await verifyEmailToken(token)).ok).toBe(true);
    expect(await verifyEmailToken(token)).toEqual(invalid);
  });

  it("refuses an expired token, and accepts it until then", async () => {
    const issued = Date.now();
    const { user, token } = await unverifiedUserWithToken(issued);
    expect(await verifyEmailToken(token, issued + 86_400_000)).toEqual(invalid);
    expect((await getUserRow(user.id)).emailVerified).toBe(false);
    expect((await verifyEmailToken(token, issued + 86_400_000 - 1)).ok).toBe(true);
  });

  it("honours VERIFICATION_TOKEN_TTL", async () => {
    process.env.VERIFICATION_TOKEN_TTL = "600";
    const issued = Date.now();
    const { token } = await unverifiedUserWithToken(issued);
    expect(await verifyEmailToken(token, issued + 600_000)).toEqual(invalid);
  });

  it("consumes every outstanding token of the user", async () => {
    const user = await createUser({ password: null });
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) tokens.push(verificationTokenIn(await getEmail(await writeTransaction((tx) => queueVerificationEmail(tx, user)))));
    const other = await unverifiedUserWithToken();

    expect((await verifyEmailToken(tokens[1])).ok).toBe(true);
    expect((await tokenRows(user.id)).every((row) => row.usedAt !== null)).toBe(true);
    expect(await verifyEmailToken(tokens[0])).toEqual(invalid);
    expect(await verifyEmailToken(tokens[2])).toEqual(invalid);
    // Another user's token is untouched.
    expect((await tokenRows(other.user.id))[0]!.usedAt).toBeNull();
    expect((await verifyEmailToken(other.token)).ok).toBe(true);
  });

  it("refuses unknown tokens", async () => {
    await unverifiedUserWithToken();
    expect(await verifyEmailToken("A".repeat(43))).toEqual(invalid);
  });

  it("refuses a token's hash presented as the token", async () => {
    const { user } = await unverifiedUserWithToken();
    expect(await verifyEmailToken((await tokenRows(user.id))[0]!.tokenHash)).toEqual(invalid);
  });

  it("refuses malformed and missing tokens without touching the database", async () => {
    // A database that cannot be opened: any lookup would throw instead of answering.
    closeDb();
    process.env.DATABASE_URL = "file:/dev/null/cannot/exist.db";
    resetSingletons("env", "db");
    expect(() => getDb()).toThrow();
    resetSingletons("db");

    for (const token of [undefined, null, "", "short", "x".repeat(129), "has spaces in it, which is wrong", "'; drop table users; --aaaaaa", 42, {}, ["A".repeat(43)]]) {
      expect(await verifyEmailToken(token)).toEqual(invalid);
    }
  });
});

describe("queueVerificationResend", () => {
  it("sends the signed-in holder (by id) a fresh verification link", async () => {
    const { user, token: firstToken } = await unverifiedUserWithToken();
    const byId = await queueVerificationResend({ userId: user.id });
    const fresh = verificationTokenIn(await getEmail(byId));
    expect(fresh).not.toBe(firstToken);
    expect((await verifyEmailToken(fresh)).ok).toBe(true);
  });

  it("sends whoever asks by address a claim link, and spends the outstanding verification links", async () => {
    const { user, token: firstToken } = await unverifiedUserWithToken();
    const byEmail = await getEmail(await queueVerificationResend({ email: user.email.toUpperCase() }));
    expect(byEmail.to).toBe(user.email);
    expect(byEmail.subject).toBe("Claim your Gatehouse account");
    expect(byEmail.text).toContain("asked Gatehouse for a new confirmation email");
    expect(byEmail.text).toContain("/reset-password/?token=");
    // A verification link in the mailbox might be a squatter's: it no longer works.
    expect(await verifyEmailToken(firstToken)).toEqual(invalid);
  });

  it("spends the verification links even when the hourly cap holds the claim back", async () => {
    process.env.RATE_LIMIT_EMAIL_PER_ADDRESS = "1";
    const { user, token } = await unverifiedUserWithToken(); // the one email of the hour
    expect(await queueVerificationResend({ email: user.email })).toBeNull();
    expect(await verifyEmailToken(token)).toEqual(invalid);
    expect(rawRows("password_reset_tokens")).toHaveLength(0);
  });

  it("does nothing, silently, for a verified account", async () => {
    const user = await createUser({ emailVerified: true, password: null });
    expect(await queueVerificationResend({ email: user.email })).toBeNull();
    expect(await queueVerificationResend({ userId: user.id })).toBeNull();
    expect(await allEmails()).toHaveLength(0);
    expect(await tokenRows(user.id)).toHaveLength(0);
  });

  it("does nothing, silently, for an unknown account", async () => {
    expect(await queueVerificationResend({ email: "nobody@example.com" })).toBeNull();
    expect(await queueVerificationResend({ userId: 999 })).toBeNull();
    expect(await allEmails()).toHaveLength(0);
  });
});
