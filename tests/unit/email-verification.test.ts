import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/db/client";
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
  const emailId = getDb().transaction((tx) => queueVerificationEmail(tx, user, now))!;
  return { user, emailId, token: verificationTokenIn(getEmail(emailId)) };
}

function tokenRows(userId: number) {
  return getDb().select().from(emailVerificationTokens).where(eq(emailVerificationTokens.userId, userId)).all();
}

describe("queueVerificationEmail", () => {
  it("queues an email to the user with a link to the UI page carrying the token", async () => {
    const { user, emailId, token } = await unverifiedUserWithToken();
    const email = getEmail(emailId);
    expect(email.to).toBe(user.email);
    expect(email.text).toContain(`http://127.0.0.1:3999/verify-email/?token=${token}`);
    expect(email.html).toContain(`http://127.0.0.1:3999/verify-email/?token=${token}`);
    expect(Buffer.from(token, "base64url").length).toBeGreaterThanOrEqual(16);
  });

  it("stores only the SHA-256 of the token", async () => {
    const { user, token } = await unverifiedUserWithToken();
    const [row] = tokenRows(user.id);
    expect(row!.tokenHash).toBe(sha256Hex(token));
    expect(JSON.stringify(rawRows("email_verification_tokens"))).not.toContain(token);
  });

  it("makes the token valid for VERIFICATION_TOKEN_TTL (24 hours by default)", async () => {
    const now = Date.now();
    const { user } = await unverifiedUserWithToken(now);
    expect(tokenRows(user.id)[0]!.expiresAt.getTime()).toBe(now + 86_400_000);
  });
});

describe("verifyEmailToken", () => {
  it("verifies the user's email", async () => {
    const { user, token } = await unverifiedUserWithToken();
    expect(verifyEmailToken(token)).toEqual({ ok: true, userId: user.id });
    expect(getUserRow(user.id).emailVerified).toBe(true);
    expect(tokenRows(user.id)[0]!.usedAt).not.toBeNull();
  });

  it("works once", async () => {
    const { token } = await unverifiedUserWithToken();
    expect(verifyEmailToken(token).ok).toBe(true);
    expect(verifyEmailToken(token)).toEqual(invalid);
  });

  it("refuses an expired token, and accepts it until then", async () => {
    const issued = Date.now();
    const { user, token } = await unverifiedUserWithToken(issued);
    expect(verifyEmailToken(token, issued + 86_400_000)).toEqual(invalid);
    expect(getUserRow(user.id).emailVerified).toBe(false);
    expect(verifyEmailToken(token, issued + 86_400_000 - 1).ok).toBe(true);
  });

  it("honours VERIFICATION_TOKEN_TTL", async () => {
    process.env.VERIFICATION_TOKEN_TTL = "600";
    const issued = Date.now();
    const { token } = await unverifiedUserWithToken(issued);
    expect(verifyEmailToken(token, issued + 600_000)).toEqual(invalid);
  });

  it("consumes every outstanding token of the user", async () => {
    const user = await createUser({ password: null });
    const tokens = [1, 2, 3].map(() =>
      verificationTokenIn(getEmail(getDb().transaction((tx) => queueVerificationEmail(tx, user)))),
    );
    const other = await unverifiedUserWithToken();

    expect(verifyEmailToken(tokens[1]).ok).toBe(true);
    expect(tokenRows(user.id).every((row) => row.usedAt !== null)).toBe(true);
    expect(verifyEmailToken(tokens[0])).toEqual(invalid);
    expect(verifyEmailToken(tokens[2])).toEqual(invalid);
    // Another user's token is untouched.
    expect(tokenRows(other.user.id)[0]!.usedAt).toBeNull();
    expect(verifyEmailToken(other.token).ok).toBe(true);
  });

  it("refuses unknown tokens", async () => {
    await unverifiedUserWithToken();
    expect(verifyEmailToken("A".repeat(43))).toEqual(invalid);
  });

  it("refuses a token's hash presented as the token", async () => {
    const { user } = await unverifiedUserWithToken();
    expect(verifyEmailToken(tokenRows(user.id)[0]!.tokenHash)).toEqual(invalid);
  });

  it("refuses malformed and missing tokens without touching the database", () => {
    // A database that cannot be opened: any lookup would throw instead of answering.
    closeDb();
    process.env.DATABASE_URL = "file:/dev/null/cannot/exist.db";
    resetSingletons("env", "db");
    expect(() => getDb()).toThrow();
    resetSingletons("db");

    for (const token of [undefined, null, "", "short", "x".repeat(129), "has spaces in it, which is wrong", "'; drop table users; --aaaaaa", 42, {}, ["A".repeat(43)]]) {
      expect(verifyEmailToken(token)).toEqual(invalid);
    }
  });
});

describe("queueVerificationResend", () => {
  it("sends the signed-in holder (by id) a fresh verification link", async () => {
    const { user, token: firstToken } = await unverifiedUserWithToken();
    const byId = queueVerificationResend({ userId: user.id });
    const fresh = verificationTokenIn(getEmail(byId));
    expect(fresh).not.toBe(firstToken);
    expect(verifyEmailToken(fresh).ok).toBe(true);
  });

  it("sends whoever asks by address a claim link, and spends the outstanding verification links", async () => {
    const { user, token: firstToken } = await unverifiedUserWithToken();
    const byEmail = getEmail(queueVerificationResend({ email: user.email.toUpperCase() }));
    expect(byEmail.to).toBe(user.email);
    expect(byEmail.subject).toBe("Claim your Gatehouse account");
    expect(byEmail.text).toContain("asked Gatehouse for a new confirmation email");
    expect(byEmail.text).toContain("/reset-password/?token=");
    // A verification link in the mailbox might be a squatter's: it no longer works.
    expect(verifyEmailToken(firstToken)).toEqual(invalid);
  });

  it("spends the verification links even when the hourly cap holds the claim back", async () => {
    process.env.RATE_LIMIT_EMAIL_PER_ADDRESS = "1";
    const { user, token } = await unverifiedUserWithToken(); // the one email of the hour
    expect(queueVerificationResend({ email: user.email })).toBeNull();
    expect(verifyEmailToken(token)).toEqual(invalid);
    expect(rawRows("password_reset_tokens")).toHaveLength(0);
  });

  it("does nothing, silently, for a verified account", async () => {
    const user = await createUser({ emailVerified: true, password: null });
    expect(queueVerificationResend({ email: user.email })).toBeNull();
    expect(queueVerificationResend({ userId: user.id })).toBeNull();
    expect(allEmails()).toHaveLength(0);
    expect(tokenRows(user.id)).toHaveLength(0);
  });

  it("does nothing, silently, for an unknown account", () => {
    expect(queueVerificationResend({ email: "nobody@example.com" })).toBeNull();
    expect(queueVerificationResend({ userId: 999 })).toBeNull();
    expect(allEmails()).toHaveLength(0);
  });
});
