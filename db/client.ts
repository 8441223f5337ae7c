import path from "node:path";
import { getEnv } from "@/lib/env";
import { peekSingleton, resetSingletons, singleton } from "@/lib/singleton";
import { describePostgresUrl, isPostgresUrl, openPostgresStore } from "./postgres";
import { databasePath, openSqliteStore } from "./sqlite";
import type { Db, Queryable, RateLimiterOptions, Store } from "./store";

// The data-access seam (docs/decisions/003-one-async-data-layer.md). lib/ imports only
// from here: awaited drizzle query builders on a `Queryable`, one writeTransaction, one
// isUniqueViolation. Which database answers is decided by DATABASE_URL, here and only
// here; nothing in lib/ or app/ knows.

export type { Db, Queryable };
export { databasePath, isPostgresUrl };

/**
 * The directory that holds the SQLite database; the development signing key is kept
 * beside it. On PostgreSQL, ./data (only development uses that key file).
 */
export function dataDirectory(url: string): string {
  return isPostgresUrl(url) ? path.resolve("data") : path.dirname(databasePath(url));
}

/**
 * Open the database at `url`: PostgreSQL for a postgres:// or postgresql:// URL, else a
 * SQLite file. Migrated before use: await `ready()`.
 */
export function createStore(url: string): Store {
  return isPostgresUrl(url) ? openPostgresStore(url, { poolSize: getEnv().DATABASE_POOL_SIZE }) : openSqliteStore(url);
}

/** Resolves once the app's database answers and is migrated (startup awaits it). */
export function databaseReady(): Promise<void> {
  return getStore().ready();
}

/** DATABASE_URL as it may be logged: a PostgreSQL URL without its password. */
export function describeDatabase(url: string): string {
  return isPostgresUrl(url) ? `postgres://${describePostgresUrl(url)}` : url;
}

/** The app's store, opened on first use (never at import time, so tests hand in a fresh file). */
function getStore(): Store {
  return singleton("db", () => createStore(getEnv().DATABASE_URL));
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

/** See Store.writeTransaction: a transaction that reads and then writes, alone. */
export function writeTransaction<T>(run: (tx: Queryable) => Promise<T>): Promise<T> {
  return getStore().writeTransaction(run);
}

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
