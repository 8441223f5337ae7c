import "server-only";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A random token of `bytes` bytes, base64url (docs/security.md: >= 128 bits, 256 for refresh). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** Hex SHA-256: the only form in which tokens are stored. */
export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** Compare two strings in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so the comparison itself leaks nothing.
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
