import "server-only";
import { hash, parseOptions, verify, type Algorithm } from "@node-rs/argon2";
import { getEnv } from "@/lib/env";
import { randomToken } from "@/lib/crypto";
import { currentRequestSignal } from "@/lib/log";
import { singleton } from "@/lib/singleton";
import { djangoHashCost, isDjangoHash, parseDjangoHash, verifyDjangoPassword } from "./django-hashes";

// argon2id with OWASP's minimum parameters (docs/security.md, passwords). The async API
// runs on libuv's pool, off the event loop; a semaphore bounds hashes in flight because
// each one holds 19 MiB, and bounds the line behind them, so a flood of logins neither
// exhausts memory nor waits without end. The Django hashes of imported users are checked
// in the same line, counted by what they hold and how long (docs/decisions/045).

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

type Waiter = { cost: TaskCost; start: () => void };

/**
 * What one task holds while it runs (`slots`: memory and threads, in units of one
 * Gatehouse argon2id hash) and how long it keeps them (`work`, in the same units of time).
 * A Gatehouse hash is one of each; a Django hash checked at login may be more
 * (lib/auth/django-hashes.ts, docs/decisions/045).
 */
export type TaskCost = { slots: number; work: number };

const ONE: TaskCost = { slots: 1, work: 1 };

/**
 * A counting semaphore with a bounded waiting line (docs/security.md, passwords): tasks
 * run while their slots add up to at most `limit`; at most `maxQueue` units of work wait,
 * in arrival order, each at most `maxWaitMs`. Past either bound the caller gets
 * ServerBusyError at once, so a flood is answered in bounded time instead of growing a
 * line that only ends in timeouts. A waiter whose signal aborts (its client left) leaves
 * the line without running.
 *
 * A task's slots are clamped to `limit` (the heaviest takes the whole line, alone) and its
 * work to `maxQueue` (the heaviest can still wait in an empty line). The line is strictly
 * first come, first served: a light task never overtakes a heavy one waiting for room,
 * so heavy ones cannot be starved.
 */
export class Semaphore {
  private used = 0;
  private waitingWork = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly bounds: { maxQueue: number; maxWaitMs: number } = { maxQueue: Infinity, maxWaitMs: Infinity },
  ) {}

  /** Slots held by running tasks (a task of `slots: 3` counts three). */
  get inFlight(): number {
    return this.used;
  }

  /** Tasks waiting. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Units of work waiting. */
  get queuedWork(): number {
    return this.waitingWork;
  }

  get capacity(): number {
    return this.limit;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal, cost: TaskCost = ONE): Promise<T> {
    if (signal?.aborted) throw new ClientGoneError();
    const held: TaskCost = {
      slots: Math.min(this.limit, Math.max(1, Math.ceil(cost.slots))),
      work: Math.min(Math.max(1, this.bounds.maxQueue), Math.max(1, Math.ceil(cost.work))),
    };
    if (this.waiting.length === 0 && this.used + held.slots <= this.limit) this.used += held.slots;
    else await this.wait(held, signal);
    try {
      return await task();
    } finally {
      this.used -= held.slots;
      this.dispatch();
    }
  }

  /** Start waiters from the head of the line while their slots fit. */
  private dispatch(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.cost.slots <= this.limit) {
      const next = this.waiting.shift()!;
      this.waitingWork -= next.cost.work;
      this.used += next.cost.slots;
      next.start();
    }
  }

  private wait(cost: TaskCost, signal: AbortSignal | undefined): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(this.bounds.maxWaitMs / 1000));
    if (this.waitingWork + cost.work > this.bounds.maxQueue) return Promise.reject(new ServerBusyError(retryAfter, "queue"));
    return new Promise<void>((resolve, reject) => {
      const leave = (error: Error) => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) {
          this.waiting.splice(index, 1);
          this.waitingWork -= cost.work;
        }
        cleanup();
        reject(error);
        // A heavy task that gave up may have been all that held lighter ones back.
        if (index === 0) this.dispatch();
      };
      const onAbort = () => leave(new ClientGoneError());
      const timer = Number.isFinite(this.bounds.maxWaitMs)
        ? setTimeout(() => leave(new ServerBusyError(retryAfter, "wait")), this.bounds.maxWaitMs)
        : null;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      // dispatch() has counted this task's slots before it starts it.
      const waiter: Waiter = {
        cost,
        start: () => {
          cleanup();
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
      this.waitingWork += cost.work;
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

/** Hash a password (a new one is NFKC-normalised by its input schema; this makes sure). */
export function hashPassword(password: string): Promise<string> {
  return hashingQueue().run(() => hash(password.normalize("NFKC"), PASSWORD_HASH_OPTIONS), currentRequestSignal());
}

/**
 * Check a password as the person typed it (CurrentPasswordSchema keeps it so) against a
 * stored hash: Gatehouse's argon2id in its NFKC form; a Django hash of an imported user as
 * typed and in NFKC form (lib/auth/django-hashes.ts), weighted in the line by its cost.
 */
export function verifyPasswordHash(passwordHash: string, password: string): Promise<boolean> {
  const django = parseDjangoHash(passwordHash);
  if (django) {
    return hashingQueue().run(() => verifyDjangoPassword(django, password), currentRequestSignal(), djangoHashCost(django, PASSWORD_HASH_OPTIONS));
  }
  return hashingQueue().run(async () => {
    try {
      return await verify(passwordHash, password.normalize("NFKC"));
    } catch {
      // A malformed stored hash is a failed verification, not a crash.
      return false;
    }
  }, currentRequestSignal());
}

/** True when a stored hash was made with other parameters than today's, or is not Gatehouse's (a Django one). */
export function needsRehash(passwordHash: string): boolean {
  if (isDjangoHash(passwordHash)) return true;
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
