import "server-only";
import { createHash, pbkdf2, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { verify as argon2Verify } from "@node-rs/argon2";
import { verify as bcryptVerify } from "@node-rs/bcrypt";

// Django's password hash formats, checked at login for users moved in from a Django
// system (docs/api.md, "Moving in the users of a Django system"; docs/migrating-from-django.md).
// The stored string is Django's own `algorithm$…` encoding, kept as the import found it,
// until the first successful login replaces it with Gatehouse's argon2id. Only the formats
// Django ships a hasher for that is still safe to accept are checked here:
//
//   pbkdf2_sha256$<iterations>$<salt>$<base64 digest>   (Django's default)
//   pbkdf2_sha1$<iterations>$<salt>$<base64 digest>
//   argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>       (argon2-cffi's PHC string after "argon2")
//   bcrypt_sha256$$2b$<cost>$<salt+hash>                 (bcrypt of the SHA-256 hex digest)
//   bcrypt$$2b$<cost>$<salt+hash>
//
// Every comparison is constant-time: PBKDF2's with timingSafeEqual, argon2's and bcrypt's
// inside their libraries. Nothing here queues: lib/auth/password.ts runs these checks in
// its bounded hashing line, weighted by djangoHashCost.

const pbkdf2Async = promisify(pbkdf2);

export const DJANGO_HASH_FORMATS = ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt"] as const;
export type DjangoHashFormat = (typeof DJANGO_HASH_FORMATS)[number];

/**
 * Beyond these a stored hash is refused at import rather than checked: one login would
 * hold a core (or the memory of the whole line) for longer than any client waits. Django
 * 5.2 uses 1,000,000 PBKDF2 iterations and 100 MiB of argon2; these are ten times that.
 */
export const DJANGO_HASH_LIMITS = {
  pbkdf2Iterations: 10_000_000,
  argon2MemoryKiB: 1_048_576,
  argon2TimeCost: 64,
  argon2Parallelism: 64,
  bcryptCost: 16,
} as const;

export type DjangoHash =
  | { format: "pbkdf2_sha256" | "pbkdf2_sha1"; iterations: number; salt: string; digest: Buffer }
  | { format: "argon2"; phc: string; memoryKiB: number; timeCost: number; parallelism: number }
  | { format: "bcrypt_sha256" | "bcrypt"; bcrypt: string; cost: number };

/** What a Django `password` field holds, as far as Gatehouse is concerned. */
export type DjangoPassword =
  | { kind: "hash"; hash: DjangoHash }
  /** Unusable (`!…`, set_unusable_password) or empty (the seed's social sign-up): no password. */
  | { kind: "none" }
  /** A format Gatehouse does not check (md5, sha1, crypt, scrypt…), or parameters past the limits. */
  | { kind: "unsupported"; format: string };

const PBKDF2_DIGEST = { pbkdf2_sha256: { name: "sha256", bytes: 32 }, pbkdf2_sha1: { name: "sha1", bytes: 20 } } as const;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BCRYPT = /^\$2[abxy]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
// argon2-cffi's encoding: a variety, an optional version, the parameters, salt and hash in
// unpadded base64. Django before 1.10 stored argon2i hashes without the version.
const ARGON2 = /^\$(argon2id|argon2i|argon2d)(?:\$v=(\d+))?\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** The name Django gives a stored password's format: what comes before its first `$`. */
export function djangoFormatName(encoded: string): string {
  const dollar = encoded.indexOf("$");
  return dollar < 0 ? "unknown" : encoded.slice(0, dollar) || "unknown";
}

/** Read a Django `password` field: a hash Gatehouse checks, no password, or something else. */
export function classifyDjangoPassword(encoded: string): DjangoPassword {
  if (encoded === "" || encoded.startsWith("!")) return { kind: "none" };
  const hash = parseDjangoHash(encoded);
  return hash ? { kind: "hash", hash } : { kind: "unsupported", format: djangoFormatName(encoded) };
}

/** A Django hash in one of the checked formats, within the limits; null for anything else. */
export function parseDjangoHash(encoded: string): DjangoHash | null {
  const format = djangoFormatName(encoded);
  if (format === "pbkdf2_sha256" || format === "pbkdf2_sha1") {
    const parts = encoded.split("$");
    if (parts.length !== 4) return null;
    const [, iterationsText, salt, digestText] = parts as [string, string, string, string];
    if (!/^[1-9]\d{0,9}$/.test(iterationsText) || !salt || !BASE64.test(digestText)) return null;
    const iterations = Number(iterationsText);
    const digest = Buffer.from(digestText, "base64");
    if (iterations > DJANGO_HASH_LIMITS.pbkdf2Iterations || digest.length !== PBKDF2_DIGEST[format].bytes) return null;
    return { format, iterations, salt, digest };
  }
  if (format === "argon2") {
    const phc = encoded.slice("argon2".length);
    const match = ARGON2.exec(phc);
    if (!match) return null;
    const [memoryKiB, timeCost, parallelism] = [Number(match[3]), Number(match[4]), Number(match[5])];
    const limits = DJANGO_HASH_LIMITS;
    if (memoryKiB > limits.argon2MemoryKiB || timeCost < 1 || timeCost > limits.argon2TimeCost || parallelism < 1 || parallelism > limits.argon2Parallelism) {
      return null;
    }
    return { format, phc, memoryKiB, timeCost, parallelism };
  }
  if (format === "bcrypt_sha256" || format === "bcrypt") {
    // Django writes "<algorithm>$" followed by bcrypt's own "$2b$…": two dollars in a row.
    const bcrypt = encoded.slice(format.length + 1);
    const match = BCRYPT.exec(bcrypt);
    if (!match) return null;
    const cost = Number(match[1]);
    if (cost < 4 || cost > DJANGO_HASH_LIMITS.bcryptCost) return null;
    return { format, bcrypt, cost };
  }
  return null;
}

/** True when a stored password hash is a Django one (in any format Gatehouse checks). */
export function isDjangoHash(stored: string): boolean {
  return parseDjangoHash(stored) !== null;
}

/** Check one form of the password against a Django hash, as Django's own hasher would. */
export async function verifyDjangoHashOnce(hash: DjangoHash, password: string): Promise<boolean> {
  switch (hash.format) {
    case "pbkdf2_sha256":
    case "pbkdf2_sha1": {
      const digest = PBKDF2_DIGEST[hash.format];
      // Django hashes the UTF-8 bytes of the password and of the salt string.
      const derived = await pbkdf2Async(password, hash.salt, hash.iterations, digest.bytes, digest.name);
      return timingSafeEqual(derived, hash.digest);
    }
    case "argon2":
      try {
        return await argon2Verify(hash.phc, password);
      } catch {
        return false;
      }
    case "bcrypt_sha256":
      // Django hashes the password first (so long ones are not truncated at 72 bytes):
      // bcrypt of the lower-case hex of its SHA-256.
      return bcryptCheck(createHash("sha256").update(password, "utf8").digest("hex"), hash.bcrypt);
    case "bcrypt":
      return bcryptCheck(password, hash.bcrypt);
  }
}

async function bcryptCheck(password: string, stored: string): Promise<boolean> {
  try {
    return await bcryptVerify(password, stored);
  } catch {
    return false;
  }
}

/**
 * Check a password at login against a Django hash: exactly as typed (Django does not
 * normalise), and then, when it differs, in Gatehouse's NFKC form (a user whose browser
 * or keyboard composed it differently). A match of the typed form answers without the
 * second check.
 */
export async function verifyDjangoPassword(hash: DjangoHash, typed: string): Promise<boolean> {
  if (await verifyDjangoHashOnce(hash, typed)) return true;
  const normalised = typed.normalize("NFKC");
  return normalised !== typed && verifyDjangoHashOnce(hash, normalised);
}

// Calibration of `work` (docs/decisions/045, measured on this project's 2-core machine,
// where one Gatehouse argon2id verification takes 15 ms): PBKDF2-SHA256 runs about 50,000
// iterations in that time (260,000 took 83 ms, 1,000,000 took 315 ms; SHA-1 is a little
// faster); bcrypt at cost 12 took 250 ms, and each step of cost doubles it; argon2's time
// grows with memory times passes (Django's 100 MiB, t=2: 90 ms).
const PBKDF2_ITERATIONS_PER_UNIT = 50_000;
const BCRYPT_COST_OF_ONE_UNIT = 8; // 2^(12 - 8) = 16 units at cost 12

/**
 * What one check of `hash` holds in the hashing line (lib/auth/password.ts, Semaphore), in
 * units of one Gatehouse argon2id hash (`unit`: 19 MiB, t=2):
 * - `slots`, the memory and threads it holds while it runs: a Django argon2 hash its m
 *   (Django's default 100 MiB is six slots; @node-rs/argon2 computes the lanes of p on one
 *   thread, measured: CPU time equals wall time), PBKDF2 and bcrypt one thread and a few KiB;
 * - `work`, how long it holds them, which the line's queue bound counts, so that a line of
 *   heavy checks is refused at once rather than left to time out.
 * The NFKC second check, when the typed password is not NFKC, is the same again; `work`
 * counts one (the line's wait bound still holds, as it is timed).
 */
export function djangoHashCost(hash: DjangoHash, unit: { memoryCost: number; timeCost: number }): { slots: number; work: number } {
  switch (hash.format) {
    case "pbkdf2_sha256":
    case "pbkdf2_sha1":
      return { slots: 1, work: Math.ceil(hash.iterations / PBKDF2_ITERATIONS_PER_UNIT) };
    case "bcrypt_sha256":
    case "bcrypt":
      return { slots: 1, work: 2 ** Math.max(0, hash.cost - BCRYPT_COST_OF_ONE_UNIT) };
    case "argon2":
      return {
        slots: Math.ceil(hash.memoryKiB / unit.memoryCost),
        work: Math.ceil((hash.memoryKiB * hash.timeCost) / (unit.memoryCost * unit.timeCost)),
      };
  }
}
