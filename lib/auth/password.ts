import "server-only";
import { hash, parseOptions, verify, type Algorithm } from "@node-rs/argon2";
import { getEnv } from "@/lib/env";
import { randomToken } from "@/lib/crypto";
import { currentRequestSignal } from "@/lib/log";
import { singleton } from "@/lib/singleton";

// argon2id with OWASP's minimum parameters (docs/security.md, passwords). The async API
// runs on libuv's pool, off the event loop; a semaphore bounds hashes in flight because
// each one holds 19 MiB, and bounds the line behind them, so a flood of logins neither
// exhausts memory nor waits without end.

const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (an ambient const enum)

export const PASSWORD_HASH_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** The hashing line is full, or a request waited too long: answer 503 with Retry-After. */
export class ServerBusyError extends Error {
  override name = "ServerBusyError";
  constructor(
    readonly retryAfter: number,
    /** Which bound refused it: the line's length, or the wait. */
    readonly bound: "queue" | "wait",
  ) {
    super("password hashing is saturated");
  }
}

/** The client went away while its request waited: nobody is left to answer. */
export class ClientGoneError extends Error {
  override name = "ClientGoneError";
}

type Waiter = { start: () => void };

/**
 * A counting semaphore with a bounded waiting line (docs/security.md, passwords): at
 * most `limit` tasks run; at most `maxQueue` wait, in arrival order, each at most
 * `maxWaitMs`. Past either bound the caller gets ServerBusyError at once, so a flood is
 * answered in bounded time instead of growing a line that only ends in timeouts. A
 * waiter whose signal aborts (its client left) leaves the line without running.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly bounds: { maxQueue: number; maxWaitMs: number } = { maxQueue: Infinity, maxWaitMs: Infinity },
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new ClientGoneError();
    if (this.active < this.limit) this.active++;
    else await this.wait(signal);
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.active--;
    }
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(this.bounds.maxWaitMs / 1000));
    if (this.waiting.length >= this.bounds.maxQueue) return Promise.reject(new ServerBusyError(retryAfter, "queue"));
    return new Promise<void>((resolve, reject) => {
      const leave = (error: Error) => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        cleanup();
        reject(error);
      };
      const onAbort = () => leave(new ClientGoneError());
      const timer = Number.isFinite(this.bounds.maxWaitMs)
        ? setTimeout(() => leave(new ServerBusyError(retryAfter, "wait")), this.bounds.maxWaitMs)
        : null;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      // The slot passes straight from the finishing task to this one (active unchanged).
      const waiter: Waiter = {
        start: () => {
          cleanup();
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }
}

export function hashingQueue(): Semaphore {
  return singleton("password-hashing", () => {
    const env = getEnv();
    return new Semaphore(env.PASSWORD_HASH_CONCURRENCY, {
      maxQueue: env.PASSWORD_HASH_QUEUE,
      maxWaitMs: env.PASSWORD_HASH_MAX_WAIT_MS,
    });
  });
}

/** Hash a password (already NFKC-normalised by the input schema). */
export function hashPassword(password: string): Promise<string> {
  return hashingQueue().run(() => hash(password, PASSWORD_HASH_OPTIONS), currentRequestSignal());
}

export function verifyPasswordHash(passwordHash: string, password: string): Promise<boolean> {
  return hashingQueue().run(async () => {
    try {
      return await verify(passwordHash, password);
    } catch {
      // A malformed stored hash is a failed verification, not a crash.
      return false;
    }
  }, currentRequestSignal());
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
