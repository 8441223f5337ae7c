import "server-only";
import { and, count, eq, ne } from "drizzle-orm";
import { accountLock, isUniqueViolation, lockFor, writeTransaction, type Queryable } from "@/lib/db";
import { passkeys, socialAccounts, users, type SocialAccount, type User } from "@/db/schema";
import { NO_CLIENT, recordAndNotifyIn, recordSecurityEventIn, type Client } from "@/lib/auth/activity";
import { removeUnprovenAccess } from "@/lib/auth/unproven-access";
import { revokeUserSessions } from "@/lib/auth/session";
import { emailIs, newUserRow } from "@/lib/auth/user";
import { PROVIDER_LABELS, type SocialProvider } from "@/lib/social";
import type { SocialProfile } from "./profiles";
import { pickUniqueUsername } from "./username";

// Which Gatehouse user a provider account signs in as: the four rules of docs/api.md
// ("Linking rules"), each decided and applied inside one transaction so that no other
// request sees half a takeover (docs/security.md, data). Linking by email happens only on
// the provider's explicit word that the address is verified: the seed linked on
// unverified emails, which let anyone take over an account.

export type SocialSignInOutcome =
  /** Rule 1: this provider account was linked before. */
  | "returning"
  /** Rule 2, first case: linked to the verified account that owns the address. */
  | "linked_to_verified"
  /** Rule 2, second case: the unverified account's password and sessions are gone. */
  | "took_over_unverified"
  /** Rule 4: a new user. */
  | "created";

export type SocialSignInResult =
  | { ok: true; userId: number; outcome: SocialSignInOutcome }
  /**
   * The account the provider proves (a returning provider account, or the address it
   * vouches for) is disabled: nothing was written, no mail queued (docs/decisions/047).
   */
  | { ok: false; reason: "account_disabled" }
  | { ok: false; reason: "account_exists" | "email_required" | "provider_account_mismatch" };

/** Apply the linking rules to a provider account that has just signed in; say whom it signs in as. */
export function signInOrLinkSocialAccount(input: {
  provider: SocialProvider;
  profile: SocialProfile;
  client?: Client;
  now?: number;
}): Promise<SocialSignInResult> {
  return retryOnUniqueConflict(() =>
    writeTransaction(async (tx): Promise<SocialSignInResult> => {
      const now = new Date(input.now ?? Date.now());
      const { provider, profile } = input;

      // Rule 1: a returning provider account.
      const linked = await findSocialAccount(tx, provider, profile.providerUserId);
      if (linked) {
        // A disabled account is refused before anything of it changes, the profile copy included.
        if (await isDisabled(tx, linked.userId)) return { ok: false, reason: "account_disabled" };
        await tx.update(socialAccounts).set({ email: profile.email, profile: storedProfile(profile) }).where(eq(socialAccounts.id, linked.id));
        return { ok: true, userId: linked.userId, outcome: "returning" };
      }

      // The owner's state decides rule 2 (verified or not), and two providers arriving at
      // once for one unverified address must not both take it over (the second would
      // remove the first's link): they take turns on the account, and read it after.
      const found = profile.email ? await findUserByEmail(tx, profile.email) : null;
      if (found) await lockFor(tx, accountLock(found.id));
      const owner = found ? await findUserByEmail(tx, profile.email!) : null;

      // Rule 2: the provider vouches for an address that has an account.
      if (owner && profile.emailVerified) {
        // Said only now that the provider has proven the address (as password login says it
        // only after the right password), and before any write: a disabled account gets no
        // link, no notice, and an unverified one keeps its password, passkeys and TOTP.
        if (owner.disabledAt) return { ok: false, reason: "account_disabled" };
        if (!owner.emailVerified) {
          // The provider proves the address; the password was never proven, and may be
          // an attacker's who registered the address first. Everything that password
          // let its holder do goes: the password, every session, and any provider it
          // linked, passkey or TOTP secret it added. Then the address is verified and the
          // owner signs in.
          await tx.update(users).set({ emailVerified: true, passwordHash: null, updatedAt: now }).where(eq(users.id, owner.id));
          await revokeUserSessions(owner.id, { tx, now: now.getTime() });
          await removeUnprovenAccess(tx, owner.id, now);
          await insertSocialAccount(tx, owner.id, provider, profile, now);
          await recordProviderLinked(tx, owner, provider, input.client, now);
          return { ok: true, userId: owner.id, outcome: "took_over_unverified" };
        }
        // One account per provider per user: a second GitHub account is not linked silently.
        if (await findUserProviderAccount(tx, owner.id, provider)) return { ok: false, reason: "provider_account_mismatch" };
        await insertSocialAccount(tx, owner.id, provider, profile, now);
        await recordProviderLinked(tx, owner, provider, input.client, now);
        return { ok: true, userId: owner.id, outcome: "linked_to_verified" };
      }

      // Rule 3: an address the provider does not vouch for is never linked by.
      if (owner) return { ok: false, reason: "account_exists" };

      // Rule 4: a new user, on a verified address only.
      if (!profile.email || !profile.emailVerified) return { ok: false, reason: "email_required" };
      const [user] = await tx
        .insert(users)
        .values(
          newUserRow({
            username: await pickUniqueUsername(tx, profile.usernameHint),
            email: profile.email,
            passwordHash: null,
            emailVerified: true,
            createdAt: now,
            updatedAt: now,
          }),
        )
        .returning({ id: users.id });
      await insertSocialAccount(tx, user!.id, provider, profile, now);
      return { ok: true, userId: user!.id, outcome: "created" };
    }),
  );
}

export type LinkResult =
  | { ok: true; outcome: "linked" | "already_linked_to_you" }
  | { ok: false; reason: "already_linked" | "provider_account_mismatch" | "not_signed_in" | "email_not_verified" };

/**
 * Link a provider account to the signed-in user (docs/api.md, "Linking from the
 * profile"). Only an account whose address is proven may link: a provider linked to an
 * unverified account would be a squatter's way back in after the owner claims the
 * address (docs/decisions/011), so nothing is stored for one.
 */
export function linkSocialAccountToUser(input: {
  userId: number;
  provider: SocialProvider;
  profile: SocialProfile;
  client?: Client;
  now?: number;
}): Promise<LinkResult> {
  return retryOnUniqueConflict(() =>
    writeTransaction(async (tx): Promise<LinkResult> => {
      const now = new Date(input.now ?? Date.now());
      const { provider, profile } = input;

      const linked = await findSocialAccount(tx, provider, profile.providerUserId);
      // Never moved from another user: that would hand their sign-in method to this one.
      if (linked) return linked.userId === input.userId ? { ok: true, outcome: "already_linked_to_you" } : { ok: false, reason: "already_linked" };

      const [user] = await tx.select().from(users).where(eq(users.id, input.userId));
      if (!user) return { ok: false, reason: "not_signed_in" };
      if (!user.emailVerified) return { ok: false, reason: "email_not_verified" };
      if (await findUserProviderAccount(tx, user.id, provider)) return { ok: false, reason: "provider_account_mismatch" };

      await insertSocialAccount(tx, user.id, provider, profile, now);
      await recordProviderLinked(tx, user, provider, input.client, now);
      return { ok: true, outcome: "linked" };
    }),
  );
}

export type UnlinkResult = { ok: true } | { ok: false; reason: "not_linked" | "last_sign_in_method" };

/** Remove a provider from a user, unless it is their last way to sign in (a passkey counts). */
export function unlinkSocialAccount(input: { userId: number; provider: SocialProvider; client?: Client }): Promise<UnlinkResult> {
  return writeTransaction(async (tx): Promise<UnlinkResult> => {
    // The last-method rule counts, then deletes: removals of one account's methods take
    // turns (a provider and a passkey removed at once must not both pass it).
    await lockFor(tx, accountLock(input.userId));
    const linked = await findUserProviderAccount(tx, input.userId, input.provider);
    if (!linked) return { ok: false, reason: "not_linked" };
    const [user] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, input.userId));
    const others = await tx
      .select({ id: socialAccounts.id })
      .from(socialAccounts)
      .where(and(eq(socialAccounts.userId, input.userId), ne(socialAccounts.provider, input.provider)));
    const [keys] = await tx.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, input.userId));
    if (!user?.passwordHash && others.length === 0 && (keys?.n ?? 0) === 0) return { ok: false, reason: "last_sign_in_method" };
    await tx.delete(socialAccounts).where(eq(socialAccounts.id, linked.id));
    await recordSecurityEventIn(tx, { userId: input.userId, type: "provider_unlinked", client: input.client ?? NO_CLIENT, detail: { provider: input.provider } });
    return { ok: true };
  });
}

/** A provider can now sign in to `user`: recorded, and its owner told (they may not be the one who did it). */
function recordProviderLinked(tx: Queryable, user: User, provider: SocialProvider, client: Client | undefined, now: Date): Promise<void> {
  return recordAndNotifyIn(
    tx,
    { user, event: { type: "provider_linked", client: client ?? NO_CLIENT, detail: { provider } }, change: { kind: "provider_linked", provider: PROVIDER_LABELS[provider] } },
    now.getTime(),
  );
}

async function findSocialAccount(tx: Queryable, provider: SocialProvider, providerUserId: string): Promise<SocialAccount | null> {
  const [account] = await tx
    .select()
    .from(socialAccounts)
    .where(and(eq(socialAccounts.provider, provider), eq(socialAccounts.providerUserId, providerUserId)));
  return account ?? null;
}

async function findUserProviderAccount(tx: Queryable, userId: number, provider: SocialProvider): Promise<SocialAccount | null> {
  const [account] = await tx
    .select()
    .from(socialAccounts)
    .where(and(eq(socialAccounts.userId, userId), eq(socialAccounts.provider, provider)));
  return account ?? null;
}

async function isDisabled(tx: Queryable, userId: number): Promise<boolean> {
  const [user] = await tx.select({ disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId));
  return user?.disabledAt != null;
}

async function findUserByEmail(tx: Queryable, email: string): Promise<User | null> {
  const [user] = await tx.select().from(users).where(emailIs(email));
  return user ?? null;
}

async function insertSocialAccount(tx: Queryable, userId: number, provider: SocialProvider, profile: SocialProfile, now: Date): Promise<void> {
  await tx.insert(socialAccounts).values({
    userId,
    provider,
    providerUserId: profile.providerUserId,
    email: profile.email,
    profile: storedProfile(profile),
    createdAt: now,
  });
}

/** What is kept of a provider profile: what the profile page may show, no tokens. */
function storedProfile(profile: SocialProfile): Record<string, unknown> {
  return {
    display_name: profile.displayName,
    avatar_url: profile.avatarUrl,
    login: profile.usernameHint,
    email_verified: profile.emailVerified,
  };
}

/**
 * Two callbacks for the same new account can race (two tabs, two processes sharing
 * the database); the unique indexes decide, and the loser runs the rules again, now
 * seeing the winner's rows, instead of failing with a 500.
 */
async function retryOnUniqueConflict<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isUniqueViolation(error)) return run();
    throw error;
  }
}
