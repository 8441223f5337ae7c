import Database from "better-sqlite3";
import path from "node:path";
import pg from "pg";

// Where a test app keeps its data: a SQLite file in its data directory, or, when the run
// is on PostgreSQL (GATEHOUSE_TEST_POSTGRES_URL, set by tests/support/postgres-global-setup.ts),
// a database of its own on that server named after the data directory, so that an app
// restarted on the same directory finds the same database, and apps never share one.

/** The PostgreSQL server the integration suite runs on, or undefined for SQLite. */
export const TEST_POSTGRES_URL = process.env.GATEHOUSE_TEST_POSTGRES_URL || undefined;

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

/** The DATABASE_URL of the app whose data directory is `dataDir`, creating its database if needed. */
export async function testDatabaseUrl(dataDir: string): Promise<string> {
  if (!TEST_POSTGRES_URL) return `file:${path.join(dataDir, "gatehouse.db")}`;
  const name = databaseName(dataDir);
  await withAdmin(async (admin) => {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount !== 0) return;
    try {
      await admin.query(`create database "${name}"`);
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

async function withAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}
