import "server-only";
import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { randomToken } from "@/lib/crypto";
import { getKeySet } from "./tokens";

// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies";
// docs/decisions/025-owners-known-devices-keep-their-way-in.md). A browser that signed in
// to an account gets a signed token naming the account; it is no credential (it opens
// nothing by itself), only a sign that this browser proved the password before. A login
// from such a browser spends a lockout budget of its own, and a reset request from it may
// take the one email an hour reserved past a spent cap: whoever guesses passwords or
// fills the mailbox from elsewhere cannot lock the owner out of their own devices.
//
// The signature covers the account's password hash as it was at the sign-in: a password
// change or reset outdates every device token of the account at once, like everything
// else the old password vouched for (lib/auth/credentials.ts). Someone who knew the old
// password and signed in a hundred times to collect tokens gets no guesses out of them.

export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 60 * 60;

const VERSION = "v1";
const INFO = "gatehouse device cookie v1";

/** A device token as it arrived, not yet checked against its account. */
export type DeviceClaim = { userId: number; deviceId: string; mac: Buffer };

/** A device token that checked out for its account: its id is its own lockout key. */
export type KnownDevice = { userId: number; deviceId: string };

type Account = { id: number; passwordHash: string | null };

const keyOf = (privatePart: string) => Buffer.from(hkdfSync("sha256", privatePart, "gatehouse", INFO, 32));
const signed = (account: Account, deviceId: string) =>
  `${VERSION}.${account.id}.${deviceId}.${createHash("sha256").update(account.passwordHash ?? "").digest("hex")}`;
const macOf = (key: Buffer, payload: string) => createHmac("sha256", key).update(payload).digest();

/** A new device token for `account` (its id and password hash now), signed with the current signing key's secret. */
export async function issueDeviceToken(account: Account): Promise<string> {
  const deviceId = randomToken(16);
  // The signer's private part comes first (lib/auth/tokens.ts).
  const [signing] = (await getKeySet()).privateParts;
  return `${VERSION}.${account.id}.${deviceId}.${macOf(keyOf(signing!), signed(account, deviceId)).toString("base64url")}`;
}

/** The parts of a cookie that has the shape of a device token; nothing is trusted yet. */
export function readDeviceToken(token: string | null | undefined): DeviceClaim | null {
  if (!token || token.length > 200) return null;
  const [version, userId, deviceId, mac, ...rest] = token.split(".");
  if (version !== VERSION || rest.length || !/^\d{1,15}$/.test(userId ?? "") || !deviceId || !mac) return null;
  return { userId: Number(userId), deviceId, mac: Buffer.from(mac, "base64url") };
}

/**
 * The device, if the claim is a valid token of `account` as it stands now: signed by a
 * configured key (a rotated key's tokens stay good while its private part is configured)
 * over this account's current password hash. Null for anything else.
 */
export async function deviceOf(claim: DeviceClaim | null | undefined, account: Account | null): Promise<KnownDevice | null> {
  if (!claim || !account || claim.userId !== account.id) return null;
  const payload = signed(account, claim.deviceId);
  for (const privatePart of (await getKeySet()).privateParts) {
    const expected = macOf(keyOf(privatePart), payload);
    if (claim.mac.length === expected.length && timingSafeEqual(claim.mac, expected)) return { userId: account.id, deviceId: claim.deviceId };
  }
  return null;
}
