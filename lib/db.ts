import "server-only";
import { createStore, type Db, type Queryable, type RateLimiterOptions, type Store } from "@/db/client";
import { committed, inTransactionFrame, type AfterCommitTask } from "./after-commit";
import { getEnv } from "./env";
import { log } from "./log";
import { peekSingleton, resetSingletons, singleton } from "./singleton";

// The app's database (docs/decisions/003-one-async-data-layer.md): the store DATABASE_URL
// names, opened once per process on first use (never at import time, so each test hands
// in a fresh one). lib/ reaches the database only through here: awaited drizzle query
// builders on a `Queryable`, one writeTransaction, one isUniqueViolation.

export type { Db, Queryable };

function getStore(): Store {
  return singleton("db", () => {
    const env = getEnv();
    return createStore(env.DATABASE_URL, {
      poolSize: env.DATABASE_POOL_SIZE,
      onConnectionLost: (error) => log.warn("PostgreSQL connection lost; the pool opens another", { error: error.message }),
      onTransactionRetry: ({ attempt, code }) => log.warn("write transaction ran again after a deadlock or serialization failure", { attempt, code }),
    });
  });
}

/** Resolves once the app's database answers and is migrated (startup awaits it). */
export function databaseReady(): Promise<void> {
  return getStore().ready();
}

/** The app's database. */
export function getDb(): Db {
  return getStore().db;
}

/** Close the app's database; the next getDb() opens it again (tests, shutdown). */
export async function closeDb(): Promise<void> {
  const store = peekSingleton<Store>("db");
  resetSingletons("db");
  await store?.close();
}

/** For /api/health/: true when the database opens and answers a query. */
export async function databaseAnswers(): Promise<boolean> {
  try {
    return await getStore().answers();
  } catch {
    return false;
  }
}

/**
 * See Store.writeTransaction: a transaction that reads and then writes. What its body left
 * for after the answer (`whenCommitted`: the emails it queued) is passed on only once it
 * has committed, and only from the attempt that did (lib/after-commit.ts).
 */
export async function writeTransaction<T>(run: (tx: Queryable) => Promise<T>): Promise<T> {
  let tasks: AfterCommitTask[] = [];
  const result = await getStore().writeTransaction(async (tx) => {
    const attempt = await inTransactionFrame(() => run(tx));
    tasks = attempt.tasks;
    return attempt.result;
  });
  committed(tasks);
  return result;
}

/**
 * Inside writeTransaction: make transactions about the same thing take turns (Store.lock).
 * Keys name what the rule is about: `lockFor(tx, accountLock(userId))`.
 */
export function lockFor(tx: Queryable, ...keys: string[]): Promise<void> {
  return getStore().lock(tx, keys);
}

/** The lock of one account's sign-in methods and credentials (docs/decisions/003). */
export const accountLock = (userId: number) => `account:${userId}`;

/** True when a write failed on a unique index: two requests raced and the index decided. */
export function isUniqueViolation(error: unknown): boolean {
  return getStore().isUniqueViolation(error);
}

/** See Store.reserveIds: ids generated after this are past `upTo` (the Django import). */
export function reserveIds(q: Queryable, table: "users", upTo: number): Promise<void> {
  return getStore().reserveIds(q, table, upTo);
}

/** See Store.bulkInsert: many rows, keyed by column name, in few statements. */
export function bulkInsert(q: Queryable, table: "users" | "social_accounts", rows: Array<Record<string, unknown>>): Promise<void> {
  return getStore().bulkInsert(q, table, rows);
}

/** A rate limiter counted in the app's database (lib/auth/rate-limit.ts). */
export function createRateLimiter(options: RateLimiterOptions) {
  return getStore().rateLimiter(options);
}

/**
 * A query built once and reused: on the hottest paths (every authenticated request, every
 * refresh) drizzle's building of the SQL costs more than running it (docs/benchmarks.md).
 * `build` must use placeholders for every value that varies and return drizzle's
 * `.prepare()`, run with `await query.execute({...})`. `q` is where it must run: the
 * store decides whether a query built once may run there (SQLite: always, its one
 * connection knows which transaction a statement belongs to) or is built for it.
 */
export function preparedQuery<T>(q: Queryable, name: string, build: (q: Queryable) => T): T {
  return getStore().prepared(q, name, build);
}
