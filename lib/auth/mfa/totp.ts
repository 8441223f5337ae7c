import "server-only";
import { randomBytes } from "node:crypto";
import { encodeBase32NoPadding } from "@oslojs/encoding";
import { createTOTPKeyURI, verifyHOTP } from "@oslojs/otp";

// RFC 6238 time-based codes as docs/api.md fixes them: HMAC-SHA-1, 30-second steps, six
// digits, one step of clock drift either way. The HOTP arithmetic is @oslojs/otp's; this
// module only chooses the steps to try, so that the caller learns which one matched and
// can refuse that step (and every earlier one) next time: a code works once.

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const DRIFT_STEPS = 1;
/** 160 bits, the HMAC-SHA-1 block RFC 4226 §4 recommends. */
const SECRET_BYTES = 20;

export const TOTP_CODE_PATTERN = /^\d{6}$/;

export function newTotpSecret(): Uint8Array {
  return new Uint8Array(randomBytes(SECRET_BYTES));
}

/** The secret as authenticator apps take it typed in: base32, no padding. */
export const encodeTotpSecret = (secret: Uint8Array): string => encodeBase32NoPadding(secret);

export const timeStep = (now: number): number => Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);

/**
 * The time step `code` belongs to, within the drift window around `now`, or null. Steps
 * at or before `spentThrough` are spent and never match. Every candidate is computed
 * and compared (in constant time, by verifyHOTP), whether or not an earlier one matched.
 */
export function matchTotpStep(secret: Uint8Array, code: string, now: number, spentThrough: number | null = null): number | null {
  if (!TOTP_CODE_PATTERN.test(code)) return null;
  const current = timeStep(now);
  let matched: number | null = null;
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    const valid = verifyHOTP(secret, BigInt(step), TOTP_DIGITS, code);
    if (valid && matched === null && (spentThrough === null || step > spentThrough)) matched = step;
  }
  return matched;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(input: { secret: Uint8Array; issuer: string; account: string }): string {
  return createTOTPKeyURI(input.issuer, input.account, input.secret, TOTP_PERIOD_SECONDS, TOTP_DIGITS);
}
