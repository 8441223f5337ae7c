import path from "node:path";
import { describePostgresUrl, isPostgresUrl, openPostgresStore } from "./postgres";
import { databasePath, openSqliteStore } from "./sqlite";
import type { Db, Queryable, RateLimiterOptions, Store, StoreOptions } from "./store";

// Which store answers a DATABASE_URL (docs/decisions/003-one-async-data-layer.md): here
// and only here. The app's one instance of it, opened from the configuration, is
// lib/db.ts's; this folder imports nothing from lib/.

export type { Db, Queryable, RateLimiterOptions, Store, StoreOptions };
export { databasePath, isPostgresUrl };

/**
 * Open the database at `url`: PostgreSQL for a postgres:// or postgresql:// URL, else a
 * SQLite file. Migrated before use: await `ready()`.
 */
export function createStore(url: string, options: StoreOptions): Store {
  return isPostgresUrl(url) ? openPostgresStore(url, options) : openSqliteStore(url);
}

/**
 * The directory that holds the SQLite database; the development signing key is kept
 * beside it. On PostgreSQL, ./data (only development uses that key file).
 */
export function dataDirectory(url: string): string {
  return isPostgresUrl(url) ? path.resolve("data") : path.dirname(databasePath(url));
}

/** DATABASE_URL as it may be logged: a PostgreSQL URL without its password. */
export function describeDatabase(url: string): string {
  return isPostgresUrl(url) ? `postgres://${describePostgresUrl(url)}` : url;
}
