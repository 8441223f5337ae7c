import Database from "better-sqlite3";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";

// Where a test app keeps its data: a SQLite file in its data directory, or, when the run
// is on PostgreSQL (GATEHOUSE_TEST_POSTGRES_URL, set by tests/support/postgres-global-setup.ts),
// a database of its own on that server named after the data directory, so that an app
// restarted on the same directory finds the same database, and apps never share one.

export const TEST_POSTGRES_URL_ENV = "GATEHOUSE_TEST_POSTGRES_URL";

/** The PostgreSQL server the suite runs on, or undefined for SQLite. */
export const TEST_POSTGRES_URL = process.env[TEST_POSTGRES_URL_ENV] || undefined;

/** A migrated SQLite file that each test's database starts as a copy of (template-database-setup.ts). */
export const SQLITE_TEMPLATE_ENV = "GATEHOUSE_TEST_TEMPLATE_DB";
/** The migrated PostgreSQL database each test's database is created from. */
export const POSTGRES_TEMPLATE_ENV = "GATEHOUSE_TEST_TEMPLATE_PG";
export const POSTGRES_TEMPLATE_NAME = "gh_template";

/**
 * A SQLite database file at `file` as a copy of the migrated template, when there is one
 * and nothing is there yet (a restart on the same data directory keeps its file).
 */
export function seedSqliteFile(file: string): void {
  const template = process.env[SQLITE_TEMPLATE_ENV];
  if (!template || existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(template, file);
}

export const TEST_DIALECT: "sqlite" | "postgres" = TEST_POSTGRES_URL ? "postgres" : "sqlite";

// As the server reads them (db/postgres.ts): counts and timestamps as numbers, JSON as text.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
pg.types.setTypeParser(pg.types.builtins.JSON, (value: string) => value);
pg.types.setTypeParser(pg.types.builtins.JSONB, (value: string) => value);

type Row = Record<string, unknown>;

/**
 * A test's own connection to an app's database, for arranging and inspecting state. SQL
 * is written once for both: `?` placeholders, `true`/`false` for booleans; booleans read
 * back as SQLite shows them (1/0).
 */
export interface TestDatabase {
  all<T = Row>(text: string, ...params: unknown[]): Promise<T[]>;
  get<T = Row>(text: string, ...params: unknown[]): Promise<T | undefined>;
  run(text: string, ...params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The DATABASE_URL of the app whose data directory is `dataDir`, creating its database if
 * needed: a copy of the migrated template (SQLite), or a database made from it (PostgreSQL).
 */
export async function testDatabaseUrl(dataDir: string): Promise<string> {
  if (!TEST_POSTGRES_URL) {
    const file = path.join(dataDir, "gatehouse.db");
    seedSqliteFile(file);
    return `file:${file}`;
  }
  const name = databaseName(dataDir);
  const template = process.env[POSTGRES_TEMPLATE_ENV];
  await withAdmin(async (admin) => {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount !== 0) return;
    try {
      await admin.query(`create database "${name}"${template ? ` template "${template}"` : ""}`);
    } catch (error) {
      // Two apps of one data directory started together: the other one created it.
      const code = (error as { code?: string }).code;
      if (code !== "42P04" && code !== "23505") throw error;
    }
  });
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drop the app's database (PostgreSQL), once its server has stopped. */
export async function dropTestDatabase(dataDir: string): Promise<void> {
  if (!TEST_POSTGRES_URL) return;
  await withAdmin((admin) => admin.query(`drop database if exists "${databaseName(dataDir)}" with (force)`));
}

export function openTestDatabase(url: string): TestDatabase {
  if (url.startsWith("file:")) {
    const handle = new Database(url.slice("file:".length));
    handle.pragma("busy_timeout = 5000");
    return {
      all: async <T>(text: string, ...params: unknown[]) => handle.prepare(text).all(...params) as T[],
      get: async <T>(text: string, ...params: unknown[]) => handle.prepare(text).get(...params) as T | undefined,
      run: async (text: string, ...params: unknown[]) => void handle.prepare(text).run(...params),
      close: async () => void handle.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  // Dropping the app's database at stop ends this connection too; that is no test failure.
  client.on("error", () => {});
  const connected = client.connect();
  const all = async <T>(text: string, ...params: unknown[]): Promise<T[]> => {
    await connected;
    let n = 0;
    const result = await client.query(text.replace(/\?/g, () => `$${++n}`), params);
    return result.rows.map((row: Row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "boolean" ? Number(v) : v]))) as T[];
  };
  return {
    all,
    get: async <T>(text: string, ...params: unknown[]) => (await all<T>(text, ...params))[0],
    run: async (text: string, ...params: unknown[]) => void (await all(text, ...params)),
    close: async () => {
      await connected.catch(() => {});
      await client.end();
    },
  };
}

function databaseName(dataDir: string): string {
  return `gh_${path.basename(dataDir).replace(/[^a-zA-Z0-9]/g, "_").toLowerCase()}`;
}

export async function withAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: process.env[TEST_POSTGRES_URL_ENV] });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}
