import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { emailVerificationTokens, sessions, socialAccounts, users } from "@/db/schema";
import { linkSocialAccountToUser, signInOrLinkSocialAccount, unlinkSocialAccount } from "@/lib/auth/oauth/linking";
import type { SocialProfile } from "@/lib/auth/oauth/profiles";
import { startSession } from "@/lib/auth/session";
import { newUserRow } from "@/lib/auth/user";

// The four linking rules of docs/api.md, one decision at a time, against a real SQLite file.
// Rule 2's second case and rule 3 are where accounts are won or lost: most cases are there.

let sequence = 0;

function insertUser(input: { email: string; emailVerified: boolean; password?: boolean; username?: string }) {
  sequence += 1;
  return getDb()
    .insert(users)
    .values(
      newUserRow({
      username: input.username ?? `local${sequence}`,
      email: input.email,
      // Any non-null value: these tests are about whether it stays, not what it is.
      passwordHash: input.password === false ? null : "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
      emailVerified: input.emailVerified,
      }),
    )
    .returning()
    .get();
}

function profile(overrides: Partial<SocialProfile> = {}): SocialProfile {
  sequence += 1;
  return {
    providerUserId: `p${sequence}`,
    email: `person${sequence}@example.com`,
    emailVerified: true,
    displayName: "Person",
    avatarUrl: null,
    usernameHint: `person${sequence}`,
    ...overrides,
  };
}

const user = (id: number) => getDb().select().from(users).where(eq(users.id, id)).get()!;
const linksOf = (userId: number) =>
  getDb().select().from(socialAccounts).where(eq(socialAccounts.userId, userId)).all().map((a) => `${a.provider}:${a.providerUserId}`);
const liveSessions = (userId: number) =>
  getDb().select().from(sessions).where(eq(sessions.userId, userId)).all().filter((s) => s.revokedAt === null).length;
const userCount = () => getDb().select().from(users).all().length;

describe("rule 1: a known provider account", () => {
  it("signs in as its user, whatever email the provider now reports", () => {
    const first = signInOrLinkSocialAccount({ provider: "github", profile: profile({ providerUserId: "42", email: "a@example.com" }) });
    expect(first).toMatchObject({ ok: true, outcome: "created" });
    // Same account, new address, now unverified: still the same user, never rule 3.
    const again = signInOrLinkSocialAccount({ provider: "github", profile: profile({ providerUserId: "42", email: "b@example.com", emailVerified: false }) });
    expect(again).toEqual({ ok: true, userId: first.ok ? first.userId : -1, outcome: "returning" });
    expect(getDb().select().from(socialAccounts).get()?.email).toBe("b@example.com");
  });

  it("keeps the same provider user id apart per provider", () => {
    const gh = signInOrLinkSocialAccount({ provider: "github", profile: profile({ providerUserId: "7" }) });
    const google = signInOrLinkSocialAccount({ provider: "google", profile: profile({ providerUserId: "7" }) });
    expect(gh.ok && google.ok && gh.userId !== google.userId).toBe(true);
  });
});

describe("rule 2, first case: verified account, verified provider address", () => {
  it("links and signs in as that account, matching the address without regard to case, keeping the password and sessions", async () => {
    const local = insertUser({ email: "Alice@example.com", emailVerified: true });
    await startSession({ userId: local.id, userAgent: null, ip: null });
    const result = signInOrLinkSocialAccount({ provider: "google", profile: profile({ email: "ALICE@EXAMPLE.COM" }) });
    expect(result).toEqual({ ok: true, userId: local.id, outcome: "linked_to_verified" });
    expect(user(local.id).passwordHash).toBe(local.passwordHash);
    expect(liveSessions(local.id)).toBe(1);
    expect(linksOf(local.id)).toHaveLength(1);
  });

  it("refuses a second account at a provider the user already has linked", () => {
    const local = insertUser({ email: "bob@example.com", emailVerified: true });
    expect(signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "bob@example.com" }) }).ok).toBe(true);
    const second = signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "bob@example.com" }) });
    expect(second).toEqual({ ok: false, reason: "provider_account_mismatch" });
    expect(linksOf(local.id)).toHaveLength(1);
  });
});

describe("rule 2, second case: the pre-registration takeover", () => {
  it("verifies the address, deletes the password, revokes every session and signs the provider's owner in", async () => {
    const squatted = insertUser({ email: "victim@example.com", emailVerified: false });
    await startSession({ userId: squatted.id, userAgent: "attacker", ip: "203.0.113.9" });
    await startSession({ userId: squatted.id, userAgent: "attacker-2", ip: "203.0.113.9" });
    expect(liveSessions(squatted.id)).toBe(2);

    const result = signInOrLinkSocialAccount({ provider: "google", profile: profile({ providerUserId: "victim-sub", email: "victim@example.com" }) });
    expect(result).toEqual({ ok: true, userId: squatted.id, outcome: "took_over_unverified" });
    const after = user(squatted.id);
    expect(after.passwordHash).toBeNull();
    expect(after.emailVerified).toBe(true);
    expect(liveSessions(squatted.id)).toBe(0);
    expect(linksOf(squatted.id)).toEqual(["google:victim-sub"]);
  });

  it("also removes every provider the squatter linked, so none of them is a way back in", () => {
    const squatted = insertUser({ email: "victim2@example.com", emailVerified: false });
    const attackersGithub = profile({ providerUserId: "attacker-gh", email: "attacker@example.com" });
    // Linked before unverified accounts were refused links (a database carried over from then).
    getDb().insert(socialAccounts).values({ userId: squatted.id, provider: "github", providerUserId: "attacker-gh", email: "attacker@example.com" }).run();

    signInOrLinkSocialAccount({ provider: "google", profile: profile({ providerUserId: "v2", email: "victim2@example.com" }) });
    expect(linksOf(squatted.id)).toEqual(["google:v2"]);
    // The attacker's GitHub now signs in as someone else: a new account of their own address.
    const attackerAgain = signInOrLinkSocialAccount({ provider: "github", profile: attackersGithub });
    expect(attackerAgain).toMatchObject({ ok: true, outcome: "created" });
    expect(attackerAgain.ok && attackerAgain.userId).not.toBe(squatted.id);
  });

  it("takes over through GitHub too, and when the squatter's address differs only in case", async () => {
    const squatted = insertUser({ email: "Victim3@Example.com", emailVerified: false });
    await startSession({ userId: squatted.id, userAgent: null, ip: null });
    const result = signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "victim3@example.com" }) });
    expect(result).toMatchObject({ ok: true, userId: squatted.id, outcome: "took_over_unverified" });
    expect(user(squatted.id).passwordHash).toBeNull();
    expect(liveSessions(squatted.id)).toBe(0);
  });

  it("spends the outstanding verification links: the address is proven", () => {
    const squatted = insertUser({ email: "victim4@example.com", emailVerified: false });
    getDb()
      .insert(emailVerificationTokens)
      .values({ userId: squatted.id, tokenHash: "h".repeat(64), expiresAt: new Date(Date.now() + 3_600_000) })
      .run();
    signInOrLinkSocialAccount({ provider: "google", profile: profile({ email: "victim4@example.com" }) });
    expect(getDb().select().from(emailVerificationTokens).get()?.usedAt).toBeInstanceOf(Date);
  });

  it("leaves other users' sessions alone", async () => {
    const bystander = insertUser({ email: "bystander@example.com", emailVerified: false });
    await startSession({ userId: bystander.id, userAgent: null, ip: null });
    insertUser({ email: "victim5@example.com", emailVerified: false });
    signInOrLinkSocialAccount({ provider: "google", profile: profile({ email: "victim5@example.com" }) });
    expect(liveSessions(bystander.id)).toBe(1);
    expect(user(bystander.id).passwordHash).not.toBeNull();
  });
});

describe("rule 3: the provider does not vouch for the address", () => {
  it.each([
    ["an unverified account", false],
    ["a verified account", true],
  ])("refuses to link by an unverified provider address matching %s, changing nothing", async (_, verified) => {
    const local = insertUser({ email: "carol@example.com", emailVerified: verified });
    await startSession({ userId: local.id, userAgent: null, ip: null });
    const before = user(local.id);
    const users = userCount();

    const result = signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "CAROL@example.com", emailVerified: false }) });
    expect(result).toEqual({ ok: false, reason: "account_exists" });
    expect(user(local.id)).toEqual(before);
    expect(liveSessions(local.id)).toBe(1);
    expect(linksOf(local.id)).toEqual([]);
    expect(userCount()).toBe(users);
  });
});

describe("rule 4: a new user", () => {
  it("creates a verified user without a password, named after the provider's login", () => {
    const result = signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "new@example.com", usernameHint: "New Person" }) });
    expect(result).toMatchObject({ ok: true, outcome: "created" });
    const created = user(result.ok ? result.userId : -1);
    expect(created).toMatchObject({ username: "New_Person", email: "new@example.com", emailVerified: true, passwordHash: null });
  });

  it.each([
    ["no email", { email: null, emailVerified: false }],
    ["an unverified email", { email: "maybe@example.com", emailVerified: false }],
  ])("refuses a provider account with %s, creating nothing", (_, overrides) => {
    const result = signInOrLinkSocialAccount({ provider: "google", profile: profile(overrides) });
    expect(result).toEqual({ ok: false, reason: "email_required" });
    expect(userCount()).toBe(0);
    expect(getDb().select().from(socialAccounts).all()).toEqual([]);
  });
});

describe("linking from the profile", () => {
  it("never moves a provider account from another user", () => {
    const owner = signInOrLinkSocialAccount({ provider: "github", profile: profile({ providerUserId: "shared" }) });
    const other = insertUser({ email: "other@example.com", emailVerified: true });
    const result = linkSocialAccountToUser({ userId: other.id, provider: "github", profile: profile({ providerUserId: "shared" }) });
    expect(result).toEqual({ ok: false, reason: "already_linked" });
    expect(linksOf(owner.ok ? owner.userId : -1)).toEqual(["github:shared"]);
    expect(linksOf(other.id)).toEqual([]);
  });

  it("is idempotent for the account's own user", () => {
    const local = insertUser({ email: "own@example.com", emailVerified: true });
    const account = profile();
    expect(linkSocialAccountToUser({ userId: local.id, provider: "google", profile: account })).toEqual({ ok: true, outcome: "linked" });
    expect(linkSocialAccountToUser({ userId: local.id, provider: "google", profile: account })).toEqual({ ok: true, outcome: "already_linked_to_you" });
  });

  it("refuses an unverified account and stores nothing, whatever address the provider vouches for", () => {
    for (const [i, email] of ["same@example.com", "different@example.com"].entries()) {
      const squatter = insertUser({ email: `squatter${i}@example.com`, emailVerified: false });
      const result = linkSocialAccountToUser({ userId: squatter.id, provider: "google", profile: profile({ providerUserId: `g${i}`, email }) });
      expect(result).toEqual({ ok: false, reason: "email_not_verified" });
      expect(linksOf(squatter.id)).toEqual([]);
      expect(user(squatter.id).emailVerified).toBe(false);
    }
  });
});

describe("unlinking", () => {
  it("refuses to remove the last way to sign in", () => {
    const created = signInOrLinkSocialAccount({ provider: "github", profile: profile() });
    const userId = created.ok ? created.userId : -1;
    expect(unlinkSocialAccount({ userId, provider: "github" })).toEqual({ ok: false, reason: "last_sign_in_method" });
    expect(unlinkSocialAccount({ userId, provider: "google" })).toEqual({ ok: false, reason: "not_linked" });
    linkSocialAccountToUser({ userId, provider: "google", profile: profile() });
    expect(unlinkSocialAccount({ userId, provider: "github" })).toEqual({ ok: true });
    expect(unlinkSocialAccount({ userId, provider: "google" })).toEqual({ ok: false, reason: "last_sign_in_method" });
  });

  it("lets a user with a password remove their only provider", () => {
    const local = insertUser({ email: "pw@example.com", emailVerified: true });
    linkSocialAccountToUser({ userId: local.id, provider: "github", profile: profile() });
    expect(unlinkSocialAccount({ userId: local.id, provider: "github" })).toEqual({ ok: true });
    expect(linksOf(local.id)).toEqual([]);
  });
});
