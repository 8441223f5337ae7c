import "server-only";
import { hash, parseOptions, verify, type Algorithm } from "@node-rs/argon2";
import { getEnv } from "@/lib/env";
import { randomToken } from "@/lib/crypto";
import { singleton } from "@/lib/singleton";

// argon2id with OWASP's minimum parameters (docs/security.md, passwords). The async API runs
// on libuv's pool, off the event loop; a semaphore bounds hashes in flight because each
// one holds 19 MiB, so a flood of logins queues instead of exhausting memory.

const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (an ambient const enum)

export const PASSWORD_HASH_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** A counting semaphore: at most `limit` tasks run, the rest wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export function hashingQueue(): Semaphore {
  return singleton("password-hashing", () => new Semaphore(getEnv().PASSWORD_HASH_CONCURRENCY));
}

/** Hash a password (already NFKC-normalised by the input schema). */
export function hashPassword(password: string): Promise<string> {
  return hashingQueue().run(() => hash(password, PASSWORD_HASH_OPTIONS));
}

export function verifyPasswordHash(passwordHash: string, password: string): Promise<boolean> {
  return hashingQueue().run(async () => {
    try {
      return await verify(passwordHash, password);
    } catch {
      // A malformed stored hash is a failed verification, not a crash.
      return false;
    }
  });
}

/** True when a stored hash was made with other parameters than today's. */
export function needsRehash(passwordHash: string): boolean {
  try {
    const options = parseOptions(passwordHash);
    return (
      options.algorithm !== PASSWORD_HASH_OPTIONS.algorithm ||
      options.memoryCost < PASSWORD_HASH_OPTIONS.memoryCost ||
      options.timeCost < PASSWORD_HASH_OPTIONS.timeCost ||
      options.parallelism !== PASSWORD_HASH_OPTIONS.parallelism
    );
  } catch {
    return true;
  }
}

/**
 * A real hash of a random password: login verifies against it when there is no user
 * (or no password), so an unknown email costs the same time as a wrong password.
 */
export function dummyPasswordHash(): Promise<string> {
  return singleton("dummy-password-hash", () => hash(randomToken(16), PASSWORD_HASH_OPTIONS));
}
