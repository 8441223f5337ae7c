import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { emails, emailVerificationTokens, passkeys, securityEvents, sessions, socialAccounts, users } from "@/db/schema";
import { linkSocialAccountToUser, signInOrLinkSocialAccount, unlinkSocialAccount } from "@/lib/auth/oauth/linking";
import type { SocialProfile } from "@/lib/auth/oauth/profiles";
import { newUserRow } from "@/lib/auth/user";
import { newSession } from "./helpers";

// The four linking rules of docs/api.md, one decision at a time, against a real SQLite file.
// Rule 2's second case and rule 3 are where accounts are won or lost: most cases are there.

let sequence = 0;

async function insertUser(input: { email: string; emailVerified: boolean; password?: boolean; username?: string }) {
  sequence += 1;
  return (await getDb()
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
    .returning())[0]!;
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

const user = async (id: number) => (await getDb().select().from(users).where(eq(users.id, id)))[0]!;
const linksOf = async (userId: number) =>
  (await getDb().select().from(socialAccounts).where(eq(socialAccounts.userId, userId))).map((a) => `${a.provider}:${a.providerUserId}`);
const liveSessions = async (userId: number) =>
  (await getDb().select().from(sessions).where(eq(sessions.userId, userId))).filter((s) => s.revokedAt === null).length;
const userCount = async () => (await getDb().select().from(users)).length;

describe("rule 1: a known provider account", () => {
  it("signs in as its user, whatever email the provider now reports", async () => {
    const first = await signInOrLinkSocialAccount({ provider: "github", profile: profile({ providerUserId: "42", email: "a@example.com" }) });
    expect(first).toMatchObject({ ok: true, outcome: "created" });
    // Same account, new address, now unverified: still the same user, never rule 3.
    const again = await signInOrLinkSocialAccount({ provider: "github", profile: profile({ providerUserId: "42", email: "b@example.com", emailVerified: false }) });
    expect(again).toEqual({ ok: true, userId: first.ok ? first.userId : -1, outcome: "returning" });
    expect((await getDb().select().from(socialAccounts))[0]?.email).toBe("b@example.com");
  });

  it("keeps the same provider user id apart per provider", async () => {
    const gh = await signInOrLinkSocialAccount({ provider: "github", profile: profile({ providerUserId: "7" }) });
    const google = await signInOrLinkSocialAccount({ provider: "google", profile: profile({ providerUserId: "7" }) });
    expect(gh.ok && google.ok && gh.userId !== google.userId).toBe(true);
  });
});

describe("rule 2, first case: verified account, verified provider address", () => {
  it("links and signs in as that account, matching the address without regard to case, keeping the password and sessions", async () => {
    const local = await insertUser({ email: "Alice@example.com", emailVerified: true });
    await newSession({ userId: local.id, userAgent: null, ip: null });
    const result = await signInOrLinkSocialAccount({ provider: "google", profile: profile({ email: "ALICE@EXAMPLE.COM" }) });
    expect(result).toEqual({ ok: true, userId: local.id, outcome: "linked_to_verified" });
    expect((await user(local.id)).passwordHash).toBe(local.passwordHash);
    expect(await liveSessions(local.id)).toBe(1);
    expect(await linksOf(local.id)).toHaveLength(1);
  });

  it("refuses a second account at a provider the user already has linked", async () => {
    const local = await insertUser({ email: "bob@example.com", emailVerified: true });
    expect((await signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "bob@example.com" }) })).ok).toBe(true);
    const second = await signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "bob@example.com" }) });
    expect(second).toEqual({ ok: false, reason: "provider_account_mismatch" });
    expect(await linksOf(local.id)).toHaveLength(1);
  });
});

describe("rule 2, second case: the pre-registration takeover", () => {
  it("verifies the address, deletes the password, revokes every session and signs the provider's owner in", async () => {
    const squatted = await insertUser({ email: "victim@example.com", emailVerified: false });
    await newSession({ userId: squatted.id, userAgent: "attacker", ip: "203.0.113.9" });
    await newSession({ userId: squatted.id, userAgent: "attacker-2", ip: "203.0.113.9" });
    expect(await liveSessions(squatted.id)).toBe(2);

    const result = await signInOrLinkSocialAccount({ provider: "google", profile: profile({ providerUserId: "victim-sub", email: "victim@example.com" }) });
    expect(result).toEqual({ ok: true, userId: squatted.id, outcome: "took_over_unverified" });
    const after = await user(squatted.id);
    expect(after.passwordHash).toBeNull();
    expect(after.emailVerified).toBe(true);
    expect(await liveSessions(squatted.id)).toBe(0);
    expect(await linksOf(squatted.id)).toEqual(["google:victim-sub"]);
  });

  it("also removes every provider the squatter linked, so none of them is a way back in", async () => {
    const squatted = await insertUser({ email: "victim2@example.com", emailVerified: false });
    const attackersGithub = profile({ providerUserId: "attacker-gh", email: "attacker@example.com" });
    // Linked before unverified accounts were refused links (a database carried over from then).
    await getDb().insert(socialAccounts).values({ userId: squatted.id, provider: "github", providerUserId: "attacker-gh", email: "attacker@example.com" });

    await signInOrLinkSocialAccount({ provider: "google", profile: profile({ providerUserId: "v2", email: "victim2@example.com" }) });
    expect(await linksOf(squatted.id)).toEqual(["google:v2"]);
    // The attacker's GitHub now signs in as someone else: a new account of their own address.
    const attackerAgain = await signInOrLinkSocialAccount({ provider: "github", profile: attackersGithub });
    expect(attackerAgain).toMatchObject({ ok: true, outcome: "created" });
    expect(attackerAgain.ok && attackerAgain.userId).not.toBe(squatted.id);
  });

  it("takes over through GitHub too, and when the squatter's address differs only in case", async () => {
    const squatted = await insertUser({ email: "Victim3@Example.com", emailVerified: false });
    await newSession({ userId: squatted.id, userAgent: null, ip: null });
    const result = await signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "victim3@example.com" }) });
    expect(result).toMatchObject({ ok: true, userId: squatted.id, outcome: "took_over_unverified" });
    expect((await user(squatted.id)).passwordHash).toBeNull();
    expect(await liveSessions(squatted.id)).toBe(0);
  });

  it("spends the outstanding verification links: the address is proven", async () => {
    const squatted = await insertUser({ email: "victim4@example.com", emailVerified: false });
    await getDb()
      .insert(emailVerificationTokens)
      .values({ userId: squatted.id, tokenHash: "h".repeat(64), expiresAt: new Date(Date.now() + 3_600_000) });
    await signInOrLinkSocialAccount({ provider: "google", profile: profile({ email: "victim4@example.com" }) });
    expect((await getDb().select().from(emailVerificationTokens))[0]?.usedAt).toBeInstanceOf(Date);
  });

  it("leaves other users' sessions alone", async () => {
    const bystander = await insertUser({ email: "bystander@example.com", emailVerified: false });
    await newSession({ userId: bystander.id, userAgent: null, ip: null });
    await insertUser({ email: "victim5@example.com", emailVerified: false });
    await signInOrLinkSocialAccount({ provider: "google", profile: profile({ email: "victim5@example.com" }) });
    expect(await liveSessions(bystander.id)).toBe(1);
    expect((await user(bystander.id)).passwordHash).not.toBeNull();
  });
});

describe("rule 3: the provider does not vouch for the address", () => {
  it.each([
    ["an unverified account", false],
    ["a verified account", true],
  ])("refuses to link by an unverified provider address matching %s, changing nothing", async (_, verified) => {
    const local = await insertUser({ email: "carol@example.com", emailVerified: verified });
    await newSession({ userId: local.id, userAgent: null, ip: null });
    const before = await user(local.id);
    const users = await userCount();

    const result = await signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "CAROL@example.com", emailVerified: false }) });
    expect(result).toEqual({ ok: false, reason: "account_exists" });
    expect(await user(local.id)).toEqual(before);
    expect(await liveSessions(local.id)).toBe(1);
    expect(await linksOf(local.id)).toEqual([]);
    expect(await userCount()).toBe(users);
  });
});

describe("rule 4: a new user", () => {
  it("creates a verified user without a password, named after the provider's login", async () => {
    const result = await signInOrLinkSocialAccount({ provider: "github", profile: profile({ email: "new@example.com", usernameHint: "New Person" }) });
    expect(result).toMatchObject({ ok: true, outcome: "created" });
    const created = await user(result.ok ? result.userId : -1);
    expect(created).toMatchObject({ username: "New_Person", email: "new@example.com", emailVerified: true, passwordHash: null });
  });

  it.each([
    ["no email", { email: null, emailVerified: false }],
    ["an unverified email", { email: "maybe@example.com", emailVerified: false }],
  ])("refuses a provider account with %s, creating nothing", async (_, overrides) => {
    const result = await signInOrLinkSocialAccount({ provider: "google", profile: profile(overrides) });
    expect(result).toEqual({ ok: false, reason: "email_required" });
    expect(await userCount()).toBe(0);
    expect((await getDb().select().from(socialAccounts))).toEqual([]);
  });
});

describe("linking from the profile", () => {
  it("never moves a provider account from another user", async () => {
    const owner = await signInOrLinkSocialAccount({ provider: "github", profile: profile({ providerUserId: "shared" }) });
    const other = await insertUser({ email: "other@example.com", emailVerified: true });
    const result = await linkSocialAccountToUser({ userId: other.id, provider: "github", profile: profile({ providerUserId: "shared" }) });
    expect(result).toEqual({ ok: false, reason: "already_linked" });
    expect(await linksOf(owner.ok ? owner.userId : -1)).toEqual(["github:shared"]);
    expect(await linksOf(other.id)).toEqual([]);
  });

  it("is idempotent for the account's own user", async () => {
    const local = await insertUser({ email: "own@example.com", emailVerified: true });
    const account = profile();
    expect(await linkSocialAccountToUser({ userId: local.id, provider: "google", profile: account })).toEqual({ ok: true, outcome: "linked" });
    expect(await linkSocialAccountToUser({ userId: local.id, provider: "google", profile: account })).toEqual({ ok: true, outcome: "already_linked_to_you" });
  });

  it("refuses an unverified account and stores nothing, whatever address the provider vouches for", async () => {
    for (const [i, email] of ["same@example.com", "different@example.com"].entries()) {
      const squatter = await insertUser({ email: `squatter${i}@example.com`, emailVerified: false });
      const result = await linkSocialAccountToUser({ userId: squatter.id, provider: "google", profile: profile({ providerUserId: `g${i}`, email }) });
      expect(result).toEqual({ ok: false, reason: "email_not_verified" });
      expect(await linksOf(squatter.id)).toEqual([]);
      expect((await user(squatter.id)).emailVerified).toBe(false);
    }
  });
});

describe("unlinking", () => {
  it("refuses to remove the last way to sign in", async () => {
    const created = await signInOrLinkSocialAccount({ provider: "github", profile: profile() });
    const userId = created.ok ? created.userId : -1;
    expect(await unlinkSocialAccount({ userId, provider: "github" })).toEqual({ ok: false, reason: "last_sign_in_method" });
    expect(await unlinkSocialAccount({ userId, provider: "google" })).toEqual({ ok: false, reason: "not_linked" });
    await linkSocialAccountToUser({ userId, provider: "google", profile: profile() });
    expect(await unlinkSocialAccount({ userId, provider: "github" })).toEqual({ ok: true });
    expect(await unlinkSocialAccount({ userId, provider: "google" })).toEqual({ ok: false, reason: "last_sign_in_method" });
  });

  it("counts a passkey as a way to sign in, and records each link and unlink with a notice for the link", async () => {
    const created = await signInOrLinkSocialAccount({ provider: "github", profile: profile() });
    const userId = created.ok ? created.userId : -1;
    await getDb().insert(passkeys).values({
      id: "pk1", userId, credentialId: "cred-1", publicKey: "AA", counter: 0, transports: [], deviceType: "singleDevice",
      backedUp: false, userHandle: "handle-1", name: "Laptop", createdAt: new Date(),
    });
    const linked = await linkSocialAccountToUser({ userId, provider: "google", profile: profile(), client: { ip: "198.51.100.7", userAgent: "ua" } });
    expect(linked).toEqual({ ok: true, outcome: "linked" });
    const notices = (await getDb().select().from(emails)).filter((m) => /Google was linked/.test(m.subject));
    expect(notices).toHaveLength(1);
    expect(await unlinkSocialAccount({ userId, provider: "github" })).toEqual({ ok: true });
    // The passkey is still a way in: the last provider may go.
    expect(await unlinkSocialAccount({ userId, provider: "google", client: { ip: "198.51.100.8", userAgent: "ua" } })).toEqual({ ok: true });
    const events = await getDb().select().from(securityEvents).where(eq(securityEvents.userId, userId)).orderBy(securityEvents.id);
    expect(events.map((e) => [e.type, e.detail, e.ip])).toEqual([
      ["provider_linked", { provider: "google" }, "198.51.100.7"],
      ["provider_unlinked", { provider: "github" }, null],
      ["provider_unlinked", { provider: "google" }, "198.51.100.8"],
    ]);
    await getDb().delete(passkeys).where(eq(passkeys.userId, userId));
  });

  it("lets a user with a password remove their only provider", async () => {
    const local = await insertUser({ email: "pw@example.com", emailVerified: true });
    await linkSocialAccountToUser({ userId: local.id, provider: "github", profile: profile() });
    expect(await unlinkSocialAccount({ userId: local.id, provider: "github" })).toEqual({ ok: true });
    expect(await linksOf(local.id)).toEqual([]);
  });
});
