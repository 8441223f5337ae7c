import "server-only";
import { randomBytes } from "node:crypto";
import { encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";
import { constantTimeEqual, sha256 } from "@/lib/crypto";

// Recovery codes: ten at a time, each 80 random bits written as 16 base32 characters in
// groups of four. That much entropy makes a plain SHA-256 safe to store (no one can
// search 2^80 candidates), so no slow hash is needed; each works once.

export const RECOVERY_CODE_COUNT = 10;
const CODE_BYTES = 10; // 80 bits, 16 base32 characters

/** Ten new codes, grouped for reading: "ABCD-EFGH-IJKL-MNOP". */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = encodeBase32UpperCaseNoPadding(randomBytes(CODE_BYTES));
    return raw.match(/.{4}/g)!.join("-");
  });
}

/**
 * The form a code is hashed in: what someone types, with case, spaces and dashes
 * forgiven. Null when it cannot be a recovery code at all.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.toUpperCase().replace(/[\s-]/g, "");
  return /^[A-Z2-7]{16}$/.test(compact) ? compact : null;
}

export function hashRecoveryCode(code: string): string {
  return sha256(normalizeRecoveryCode(code) ?? code);
}

/**
 * The id of the stored code `input` matches, or null. Compares with every candidate in
 * constant time, so the time taken says nothing about how close a guess came.
 */
export function matchRecoveryCode(input: string, stored: Array<{ id: number; codeHash: string }>): number | null {
  const normalized = normalizeRecoveryCode(input);
  const hash = sha256(normalized ?? "");
  let matched: number | null = null;
  for (const row of stored) {
    if (constantTimeEqual(hash, row.codeHash) && normalized !== null && matched === null) matched = row.id;
  }
  return matched;
}
