import path from "node:path";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { RateLimiterPostgres } from "rate-limiter-flexible";
import { asSqliteBuilder, fromSqliteBuilder } from "./kit";
import * as schema from "./schema";
import { columnNames, type Db, type Queryable, type Store, type StoreOptions } from "./store";

// The PostgreSQL store (docs/decisions/003-one-async-data-layer.md): a node-postgres pool
// behind drizzle's node-postgres driver. lib/ builds its queries from db/schema.ts (the
// SQLite tables) on either database, so values travel in SQLite's forms: db/kit.ts says
// which PostgreSQL types accept them, and the parsers below read them back alike.

const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations-pg");

// Arbitrary, fixed keys of PostgreSQL advisory locks: one for migrations at startup, one
// that every writeTransaction takes (see writeTransaction below).
const MIGRATION_LOCK = 7_210_001;
const WRITE_LOCK = 7_210_002;
// A load balancer's check must get its 503 before its own timeout (often 5 s).
const HEALTH_TIMEOUT_MS = 3_000;

// Set on the pg module, which drizzle's driver reads per query (it takes no per-pool parsers):
// int8 (timestamps in milliseconds, counts) as a JS number, as SQLite's integers arrive;
// json/jsonb as their text, which db/schema.ts's json columns parse themselves.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
pg.types.setTypeParser(pg.types.builtins.JSON, (value: string) => value);
pg.types.setTypeParser(pg.types.builtins.JSONB, (value: string) => value);

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** host:port/database of a PostgreSQL URL, never its password: for errors and logs. */
export function describePostgresUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

/** The server at DATABASE_URL did not answer: startup stops with this message. */
export class DatabaseUnreachableError extends Error {}

export function openPostgresStore(url: string, options: StoreOptions): Store & { pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    // How long a request waits for a connection, opening one or for a free one when all
    // are busy (node-postgres uses the one limit for both). Write transactions queue on
    // the advisory lock while holding theirs, so under a write burst the wait is real
    // work, not a dead server: generous, as SQLite's gate waits without limit. A dead
    // server still fails health checks fast (HEALTH_TIMEOUT_MS).
    connectionTimeoutMillis: 30_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection the server closed (a restart, a failover) is reported here; the
  // pool replaces it, and without a listener the process would exit.
  pool.on("error", (error) => options.onConnectionLost?.(error));
  const pgDb = drizzle({ client: pool, schema });
  const db = asSqliteBuilder<Db>(pgDb);
  const preparedQueries = new Map<string, unknown>();
  const ready = migrateLocked(pool, url);
  // Until migrated, nothing else may touch the tables; handled by whoever awaits ready().
  ready.catch(() => {});

  return {
    dialect: "postgres",
    db,
    pool,
    ready: () => ready,
    writeTransaction(run) {
      // READ COMMITTED, plus one advisory lock held to commit: write transactions run one
      // at a time across every instance, exactly as SQLite's BEGIN IMMEDIATE makes them,
      // so every read-then-write in lib/ keeps the guarantee it was written against. Each
      // statement after the lock sees everything committed before it. Statements outside
      // a transaction run beside it, as on SQLite between two transactions.
      return pgDb.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${WRITE_LOCK})`);
        return run(asSqliteBuilder<Queryable>(tx));
      });
    },
    isUniqueViolation(error) {
      for (let e: unknown = error; e instanceof Error; e = e.cause) {
        if (e instanceof pg.DatabaseError) return e.code === "23505";
      }
      return false;
    },
    async answers() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS)));
      const query = pool.query("select 1 as ok").then((r) => r.rows.length === 1);
      // Its error after the timeout has answered is nobody's to handle.
      query.catch(() => {});
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    prepared<T>(q: Queryable, name: string, build: (q: Queryable) => T): T {
      // A query built on the pool runs on any pooled connection, never inside a
      // transaction's: inside one, build it there.
      if (q !== db) return build(q);
      if (!preparedQueries.has(name)) preparedQueries.set(name, build(db));
      return preparedQueries.get(name) as T;
    },
    async reserveIds(q, table, upTo) {
      // Sequences are outside transactions: this holds even if the import rolls back (a
      // gap, harmless), and a registration racing the import draws an id past it.
      await fromSqliteBuilder(q).execute(sql`select setval(s, greatest(coalesce(pg_sequence_last_value(s), 0), coalesce((select max(id) from ${sql.identifier(table)}), 0), ${upTo}))
        from (select pg_get_serial_sequence(${table}, 'id')::regclass as s) as seq`);
    },
    async bulkInsert(q, table, rows) {
      if (rows.length === 0) return;
      const columns = sql.raw(columnNames(rows[0]!).map((c) => `"${c}"`).join(", "));
      // The table's own row type reads each key as its column's type.
      await fromSqliteBuilder(q).execute(
        sql`insert into ${sql.identifier(table)} (${columns}) select ${columns} from jsonb_populate_recordset(null::${sql.identifier(table)}, ${JSON.stringify(rows)}::jsonb)`,
      );
    },
    rateLimiter: (limits) =>
      new RateLimiterPostgres({
        ...limits,
        storeClient: pool,
        storeType: "pool",
        tableName: "rate_limits",
        tableCreated: true,
        clearExpiredByTimeout: true,
      }),
    close: () => pool.end().catch(() => {}),
  };
}

/**
 * Apply db/migrations-pg once: instances starting together take turns on an advisory
 * lock, and the second finds nothing left to do. An unreachable server is named here.
 */
async function migrateLocked(pool: pg.Pool, url: string): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    const where = describePostgresUrl(url);
    // The server answered and refused (a wrong password, no such database): its words,
    // which never include the password.
    if (error instanceof pg.DatabaseError) {
      throw new DatabaseUnreachableError(`DATABASE_URL: PostgreSQL at ${where} refused the connection: ${error.message}`, { cause: error });
    }
    const reason = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    throw new DatabaseUnreachableError(
      `DATABASE_URL: cannot reach PostgreSQL at ${where} (${reason}). Is the server running, and does it accept connections from this host?`,
      { cause: error },
    );
  }
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
