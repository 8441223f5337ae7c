import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { peekSingleton, resetSingletons, singleton } from "@/lib/singleton";
import * as schema from "./schema";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");

/** `file:./data/gatehouse.db` (or a bare path) to a filesystem path. */
export function databasePath(url: string): string {
  return path.resolve(url.replace(/^file:/, ""));
}

/** The directory that holds the database; the development signing key is kept beside it. */
export function dataDirectory(url: string): string {
  return path.dirname(databasePath(url));
}

/** Open (creating if needed) a SQLite database and apply every migration. */
export function createDb(url: string): Db {
  const file = databasePath(url);
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  // Several processes (or a migration and the server) may share the file.
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}

/** The app's database, opened on first use (never at import time). */
export function getDb(): Db {
  return singleton("db", () => createDb(getEnv().DATABASE_URL));
}

/** Close the app's database; the next getDb() opens it again (tests, shutdown). */
export function closeDb(): void {
  peekSingleton<Db>("db")?.$client.close();
  resetSingletons("db");
}

/** For /api/health/: true when the database opens and answers a query. */
export function databaseAnswers(): boolean {
  try {
    return getDb().$client.prepare("select 1 as ok").get() !== undefined;
  } catch {
    return false;
  }
}

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

const preparedQueries = new WeakMap<Db, Map<string, unknown>>();

/**
 * A query prepared once per database and reused: on the hottest paths (every
 * authenticated request) SQLite's prepare, and drizzle's building of the SQL, cost more
 * than running the query (docs/benchmarks.md). `build` must use `sql.placeholder` for
 * every value that varies.
 */
export function preparedQuery<T>(db: Db, name: string, build: (db: Db) => T): T {
  let queries = preparedQueries.get(db);
  if (!queries) preparedQueries.set(db, (queries = new Map()));
  if (!queries.has(name)) queries.set(name, build(db));
  return queries.get(name) as T;
}

/**
 * The better-sqlite3 connection with prepare() memoised by SQL text, for libraries that
 * prepare the same few statements on every call (the rate limiter's upserts).
 */
export function withStatementCache(client: Database.Database): Database.Database {
  const statements = new Map<string, Database.Statement>();
  const prepare = (source: string) => {
    let statement = statements.get(source);
    if (!statement) statements.set(source, (statement = client.prepare(source)));
    return statement;
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === "prepare") return prepare;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** True when a write failed on a unique index: two requests raced and the index decided. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE";
}

/**
 * A transaction that reads and then writes. It takes SQLite's write lock at BEGIN
 * (IMMEDIATE), so a second process waits for it (busy_timeout) instead of reading a
 * snapshot it then cannot write from, which WAL reports as SQLITE_BUSY_SNAPSHOT.
 */
export function writeTransaction<T>(run: (tx: Tx) => T): T {
  return getDb().transaction(run, { behavior: "immediate" });
}
