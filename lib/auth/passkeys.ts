import "server-only";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { and, asc, count, eq, gt, isNull, lt } from "drizzle-orm";
import { accountLock, getDb, isUniqueViolation, lockFor, type Queryable, writeTransaction } from "@/lib/db";
import { passkeys, socialAccounts, users, webauthnChallenges, type Passkey, type User } from "@/db/schema";
import type { PasskeySummary } from "@/lib/api-schemas";
import { randomToken, sha256 } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { recordAndNotifyIn, recordSecurityEventIn, type Client } from "./activity";

// Passkeys (WebAuthn through @simplewebauthn/server; docs/api.md). The relying party is
// APP_URL's host and the only accepted origin is APP_URL's. Passkeys are discoverable
// and always verify the user (PIN, biometrics), so one counts as both factors and may be
// an account's only way in. Challenges are ours, kept hashed in the database, bound to
// their purpose (and user), 5 minutes, single use
// (docs/decisions/020-webauthn-challenges-in-the-database.md).

const CHALLENGE_TTL_MS = 5 * 60 * 1000;

const relyingParty = () => {
  const appUrl = new URL(getEnv().APP_URL);
  // The RP ID is a domain: no scheme, no port (WebAuthn §5.1.2).
  return { id: appUrl.hostname, origin: appUrl.origin, name: getEnv().APP_NAME };
};

const summary = (p: Passkey): PasskeySummary => ({
  id: p.id,
  name: p.name,
  created_at: p.createdAt.toISOString(),
  last_used_at: p.lastUsedAt?.toISOString() ?? null,
});

async function passkeysOf(userId: number, q: Queryable = getDb()): Promise<Passkey[]> {
  return q.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id));
}

export async function listPasskeys(userId: number): Promise<PasskeySummary[]> {
  return (await passkeysOf(userId)).map(summary);
}

async function storeChallenge(input: { challenge: string; purpose: "register" | "login"; userId: number | null; userHandle: string | null }, now: number): Promise<void> {
  await getDb()
    .insert(webauthnChallenges)
    .values({ challengeHash: sha256(input.challenge), purpose: input.purpose, userId: input.userId, userHandle: input.userHandle, expiresAt: new Date(now + CHALLENGE_TTL_MS) });
}

/** The challenge the browser signed, read from clientDataJSON, or null when unreadable. */
function challengeOf(clientDataJSON: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { challenge?: unknown };
    return typeof parsed.challenge === "string" && parsed.challenge.length <= 256 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

/** Spend a live challenge of this purpose (and user); its user handle when it was ours. */
async function claimChallenge(challenge: string, purpose: "register" | "login", userId: number | null, now: number) {
  const conditions = [
    eq(webauthnChallenges.challengeHash, sha256(challenge)),
    eq(webauthnChallenges.purpose, purpose),
    isNull(webauthnChallenges.usedAt),
    gt(webauthnChallenges.expiresAt, new Date(now)),
  ];
  if (userId !== null) conditions.push(eq(webauthnChallenges.userId, userId));
  const [claimed] = await getDb()
    .update(webauthnChallenges)
    .set({ usedAt: new Date(now) })
    .where(and(...conditions))
    .returning({ userHandle: webauthnChallenges.userHandle });
  return claimed ?? null;
}

/** Delete challenges past their 5 minutes (spent or not): they can never be claimed again. */
export async function trimExpiredChallenges(now = Date.now()): Promise<number> {
  const gone = await getDb().delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, new Date(now))).returning({ id: webauthnChallenges.id });
  return gone.length;
}

/** Options for navigator.credentials.create(): a discoverable credential, user verified. */
export async function passkeyRegistrationOptions(user: User, now = Date.now()): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await passkeysOf(user.id);
  // One random handle per user, never the database id: it is all the authenticator keeps.
  const userHandle = existing[0]?.userHandle ?? randomToken(32);
  const rp = relyingParty();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.username,
    userID: new Uint8Array(Buffer.from(userHandle, "base64url")),
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge({ challenge: options.challenge, purpose: "register", userId: user.id, userHandle }, now);
  return options;
}

export type PasskeyRegistration =
  | { ok: true; passkey: PasskeySummary }
  | { ok: false; reason: "invalid_challenge" | "verification_failed" | "already_registered" };

/** Check the browser's answer to our options and keep the new passkey under `name`. */
export async function registerPasskey(
  input: { user: User; name: string; response: RegistrationResponseJSON; client: Client },
  now = Date.now(),
): Promise<PasskeyRegistration> {
  const { user } = input;
  const challenge = challengeOf(input.response.response.clientDataJSON);
  const claimed = challenge ? await claimChallenge(challenge, "register", user.id, now) : null;
  if (!challenge || !claimed?.userHandle) return { ok: false, reason: "invalid_challenge" };
  const rp = relyingParty();
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (error) {
    // The library throws on every malformed or mismatched answer: the client's fault.
    log.info("passkey registration refused", { userId: user.id, reason: error instanceof Error ? error.message : "unknown" });
    return { ok: false, reason: "verification_failed" };
  }
  if (!verified.verified) return { ok: false, reason: "verification_failed" };
  const info = verified.registrationInfo;
  const row = {
    id: randomToken(16),
    userId: user.id,
    credentialId: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString("base64url"),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    userHandle: claimed.userHandle,
    name: input.name,
    createdAt: new Date(now),
  };
  try {
    await writeTransaction(async (tx) => {
      await tx.insert(passkeys).values(row);
      await recordAndNotifyIn(tx, { user, event: { type: "passkey_added", client: input.client, detail: { name: input.name } }, change: { kind: "passkey_added", name: input.name } }, now);
    });
    return { ok: true, passkey: summary({ ...row, lastUsedAt: null }) };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, reason: "already_registered" };
    throw error;
  }
}

export type PasskeyRemoval = { ok: true } | { ok: false; reason: "not_found" | "last_sign_in_method" };

/**
 * Remove one of the user's passkeys, unless it is their last way to sign in (no
 * password, no provider, no other passkey): the rule of unlinking a provider.
 */
export async function removePasskey(input: { user: User; id: string; client: Client }, now = Date.now()): Promise<PasskeyRemoval> {
  const { user } = input;
  // Checked inside the transaction, on the account's lock: two parallel removals of an
  // account's last two methods (two passkeys, a passkey and a provider) must not both
  // pass the last-method rule (docs/decisions/003).
  return writeTransaction(async (tx): Promise<PasskeyRemoval> => {
    await lockFor(tx, accountLock(user.id));
    const mine = await passkeysOf(user.id, tx);
    const target = mine.find((p) => p.id === input.id);
    if (!target) return { ok: false, reason: "not_found" };
    const [providers] = await tx.select({ n: count() }).from(socialAccounts).where(eq(socialAccounts.userId, user.id));
    // Read under the lock, as the rest: the request's user row is from before it.
    const [account] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id));
    if (!account?.passwordHash && (providers?.n ?? 0) === 0 && mine.length === 1) return { ok: false, reason: "last_sign_in_method" };
    await tx.delete(passkeys).where(and(eq(passkeys.id, target.id), eq(passkeys.userId, user.id)));
    await recordSecurityEventIn(tx, { userId: user.id, type: "passkey_removed", client: input.client, detail: { name: target.name } }, now);
    return { ok: true };
  });
}

// Sign-in with a passkey (for part 2 of issue 11: the login routes and mfa/verify call
// these; no route uses them yet).

/** Options for navigator.credentials.get(), also used by the login page's autofill. */
export async function passkeyLoginOptions(now = Date.now()): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({ rpID: relyingParty().id, userVerification: "required", timeout: CHALLENGE_TTL_MS });
  await storeChallenge({ challenge: options.challenge, purpose: "login", userId: null, userHandle: null }, now);
  return options;
}

export type PasskeyLogin = { ok: true; userId: number; passkeyId: string } | { ok: false; reason: "invalid_challenge" | "unknown_passkey" | "verification_failed" };

/**
 * Verify an assertion: our challenge (spent), a passkey we know (whose user handle, when
 * sent, must match), the signature, user verification, and a counter that moved forward.
 * The counter, backup state and last use are stored. `userId` restricts it to one user
 * (the second step after a password).
 */
export async function verifyPasskeyLogin(input: { response: AuthenticationResponseJSON; userId?: number }, now = Date.now()): Promise<PasskeyLogin> {
  const challenge = challengeOf(input.response.response.clientDataJSON);
  if (!challenge || !(await claimChallenge(challenge, "login", null, now))) return { ok: false, reason: "invalid_challenge" };
  const [passkey] = await getDb().select().from(passkeys).where(eq(passkeys.credentialId, input.response.id)).limit(1);
  if (!passkey || (input.userId !== undefined && passkey.userId !== input.userId)) return { ok: false, reason: "unknown_passkey" };
  if (input.response.response.userHandle && input.response.response.userHandle !== passkey.userHandle) return { ok: false, reason: "unknown_passkey" };
  const rp = relyingParty();
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      // Counter 0: the library skips its own counter check, which this function makes
      // below, where it can tell a counter that went back from one that merely lost a race.
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, "base64url")), counter: 0, transports: passkey.transports },
    });
  } catch (error) {
    log.info("passkey sign-in refused", { passkeyId: passkey.id, reason: error instanceof Error ? error.message : "unknown" });
    return { ok: false, reason: "verification_failed" };
  }
  if (!verified.verified) return { ok: false, reason: "verification_failed" };
  const { newCounter, credentialBackedUp, credentialDeviceType } = verified.authenticationInfo;
  // The signature counter (WebAuthn §6.1.1): an authenticator that keeps one moves it
  // forward at every use; one that keeps none reports 0 every time. A counter at or below
  // the one stored before this sign-in began is the sign of a cloned authenticator.
  if ((newCounter !== 0 || passkey.counter !== 0) && newCounter <= passkey.counter) {
    log.warn("passkey counter went backwards: a cloned authenticator?", { passkeyId: passkey.id, stored: passkey.counter, presented: newCounter });
    return { ok: false, reason: "verification_failed" };
  }
  // Stored only if it still moves forward from the value checked: of two assertions of one
  // passkey verified at once, the one whose counter another has overtaken meanwhile is
  // refused (never two sign-ins from one step of the counter), quietly: that is a race
  // (two ceremonies of one page), not a counter that went back.
  const counterStillFits = newCounter === 0 ? eq(passkeys.counter, 0) : lt(passkeys.counter, newCounter);
  const stored = await getDb()
    .update(passkeys)
    .set({ counter: newCounter, backedUp: credentialBackedUp, deviceType: credentialDeviceType, lastUsedAt: new Date(now) })
    .where(and(eq(passkeys.id, passkey.id), counterStillFits))
    .returning({ id: passkeys.id });
  if (stored.length === 0) {
    log.info("passkey sign-in refused: another use of the same passkey moved its counter meanwhile", { passkeyId: passkey.id });
    return { ok: false, reason: "verification_failed" };
  }
  return { ok: true, userId: passkey.userId, passkeyId: passkey.id };
}
