import "server-only";
import { createHash, randomBytes, randomFillSync, timingSafeEqual } from "node:crypto";

// Random bytes drawn from the CSPRNG 4 KiB at a time and handed out once each, as Node's
// randomUUID does: one call per ~100 tokens instead of one per token (a login takes two).
// Every byte still comes from randomFillSync, and none is given out twice.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** A random token of `bytes` bytes, base64url (docs/security.md: >= 128 bits, 256 for refresh). */
export function randomToken(bytes = 32): string {
  if (bytes > POOL_SIZE / 4) return randomBytes(bytes).toString("base64url");
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const token = pool.toString("base64url", poolOffset, poolOffset + bytes);
  // Spent: overwritten so that no later reader of the pool can see a token handed out.
  pool.fill(0, poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return token;
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
