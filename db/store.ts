import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { SqliteRemoteDatabase, SqliteRemoteResult } from "drizzle-orm/sqlite-proxy";
import type * as schema from "./schema";

// What every database Gatehouse can run on provides (docs/decisions/003). lib/ sees only
// `Queryable` and the functions of db/client.ts; a store is chosen from DATABASE_URL there.

/**
 * The app's database, on either store: drizzle query builders over db/schema.ts's tables,
 * awaited for their rows. One type for both: drizzle's async SQLite builder, which the
 * SQLite store is, and which the PostgreSQL store's node-postgres builder is given as
 * (db/kit.ts asSqliteBuilder, the one cast, says why that holds). A union of the two
 * drivers' types cannot be called: their methods' overloads do not combine.
 */
export type Db = SqliteRemoteDatabase<typeof schema>;

/**
 * "A database or a transaction": what a query function takes, so that the same function
 * runs on its own or inside a caller's writeTransaction.
 */
export type Queryable = BaseSQLiteDatabase<"async", SqliteRemoteResult, typeof schema>;

export type RateLimiterOptions = { keyPrefix: string; points: number; duration: number };

/** How the app opens its store (db/client.ts createStore). */
export type StoreOptions = {
  /** PostgreSQL only: connections this instance keeps open (DATABASE_POOL_SIZE). */
  poolSize: number;
  /** PostgreSQL only: an idle connection was lost (the pool opens another); for the log. */
  onConnectionLost?: (error: Error) => void;
};

export interface Store {
  readonly dialect: "sqlite" | "postgres";
  readonly db: Db;
  /** Resolves once the database answers and is migrated; rejects with why it is not. */
  ready(): Promise<void>;
  /**
   * Run `run` as one transaction that reads and then writes, with no other request's
   * statement inside it, and serialized against every other writeTransaction on this
   * database (across processes too). Commits when `run` resolves, rolls back when it throws.
   */
  writeTransaction<T>(run: (tx: Queryable) => Promise<T>): Promise<T>;
  /** True when a write failed on a unique index: two requests raced and the index decided. */
  isUniqueViolation(error: unknown): boolean;
  /** True when a trivial query answers. */
  answers(): Promise<boolean>;
  /** A query built once by `build` and reused, runnable on `q` (db/client.ts preparedQuery). */
  prepared<T>(q: Queryable, name: string, build: (q: Queryable) => T): T;
  /**
   * Make sure the ids `table` generates from now on are past `upTo`, before rows with
   * explicit ids up to it are inserted (the Django import keeps Django's ids). PostgreSQL's
   * identity sequence is moved (never back); SQLite's AUTOINCREMENT follows the largest id
   * inserted by itself (sqlite_sequence), inside the importing transaction.
   */
  reserveIds(q: Queryable, table: "users", upTo: number): Promise<void>;
  /**
   * Insert many rows in few statements: each row an object keyed by column name, with
   * the values the column stores (numbers for timestamps, booleans, objects for JSON).
   * The rows travel as one JSON parameter per statement (SQLite's json_each, PostgreSQL's
   * jsonb_populate_recordset), so nothing is built per row (the Django import: a user
   * table of 100,000 in seconds). Columns left out take their defaults.
   */
  bulkInsert(q: Queryable, table: "users" | "social_accounts", rows: Array<Record<string, unknown>>): Promise<void>;
  /** A rate limiter whose counts live in this database's rate_limits table. */
  rateLimiter(options: RateLimiterOptions): RateLimiterAbstract;
  close(): void | Promise<void>;
}

/** The keys of a bulkInsert row, which become SQL identifiers: plain column names only. */
export function columnNames(row: Record<string, unknown>): string[] {
  const names = Object.keys(row);
  for (const name of names) if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`bulkInsert: not a column name: ${JSON.stringify(name)}`);
  return names;
}
