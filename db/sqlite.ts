import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { drizzle as syncDrizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { sql } from "drizzle-orm";
import { drizzle, type AsyncRemoteCallback } from "drizzle-orm/sqlite-proxy";
import { RateLimiterSQLite } from "rate-limiter-flexible";
import { ConnectionGate } from "./gate";
import * as schema from "./schema";
import { columnNames, type Db, type Queryable, type RateLimiterOptions, type Store } from "./store";

// The SQLite store: one better-sqlite3 connection behind drizzle's async sqlite-proxy
// driver, so that lib/ writes the same awaited queries it would write for PostgreSQL.
// better-sqlite3 is synchronous and its transaction() refuses async callbacks; the proxy
// driver's transaction() sends BEGIN, awaits the callback, then COMMIT or ROLLBACK, and
// the gate (db/gate.ts) keeps every other request's statements out of that window
// (docs/decisions/003-one-async-data-layer.md).

const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");
// Drizzle builds the same few SQL texts over and over; prepare each once. The bound keeps
// a runaway variety of texts (an `in (...)` of every length) from growing it without end.
const STATEMENT_CACHE_SIZE = 500;

/** `file:./data/gatehouse.db` (or a bare path) to a filesystem path. */
export function databasePath(url: string): string {
  return path.resolve(url.replace(/^file:/, ""));
}

/** Open (creating if needed) the SQLite file at `url`, migrated. */
export function openSqliteStore(url: string): Store & { client: Database.Database } {
  const file = databasePath(url);
  mkdirSync(path.dirname(file), { recursive: true });
  const client = new Database(file);
  client.pragma("journal_mode = WAL");
  client.pragma("foreign_keys = ON");
  // Several processes (or a migration and the server) may share the file.
  client.pragma("busy_timeout = 5000");
  client.pragma("synchronous = NORMAL");
  // Synchronous, once, before any request can use the connection.
  migrate(syncDrizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });

  const ping = client.prepare("select 1 as ok");
  const gate = new ConnectionGate();
  // Which transaction the running code belongs to: its statements pass the gate.
  const transactionOf = new AsyncLocalStorage<object>();
  const execute = statementRunner(client);
  const callback: AsyncRemoteCallback = (text, params, method) => {
    const owner = gate.owner;
    // The common case, no transaction open (or this is its statement), costs no extra promise.
    if (owner === null || transactionOf.getStore() === owner) {
      try {
        return Promise.resolve(execute(text, params, method));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    return gate.outside(() => execute(text, params, method));
  };
  const db: Db = drizzle(callback, { schema });
  const preparedQueries = new Map<string, unknown>();

  return {
    dialect: "sqlite",
    db,
    client,
    // Migrated synchronously above.
    ready: () => Promise.resolve(),
    writeTransaction(run) {
      const owner = gate.owner;
      if (owner !== null && transactionOf.getStore() === owner) {
        // It would wait for itself forever.
        throw new Error("writeTransaction inside writeTransaction: pass the outer transaction down instead");
      }
      // IMMEDIATE takes the file's write lock at BEGIN, so another process waits for it
      // (busy_timeout) instead of reading a snapshot it then cannot write from.
      return gate.exclusive((owner) => transactionOf.run(owner, () => db.transaction(run, { behavior: "immediate" })));
    },
    isUniqueViolation(error) {
      for (let e: unknown = error; e instanceof Error; e = e.cause) {
        if (e instanceof Database.SqliteError) return e.code === "SQLITE_CONSTRAINT_UNIQUE";
      }
      return false;
    },
    async answers() {
      // Prepared once: /api/health/ runs it on every probe (docs/benchmarks.md). It waits
      // its turn behind an open transaction like any statement, so a transaction that
      // never ends makes the probe time out instead of answering "ok".
      const row = gate.owner === null ? ping.get() : await gate.outside(() => ping.get());
      return row !== undefined;
    },
    prepared<T>(_q: Queryable, name: string, build: (q: Queryable) => T): T {
      // Built on the database and run wherever: the gate's token, not the drizzle object a
      // statement came from, says which transaction it belongs to.
      if (!preparedQueries.has(name)) preparedQueries.set(name, build(db));
      return preparedQueries.get(name) as T;
    },
    // AUTOINCREMENT: an insert with an explicit id past sqlite_sequence moves it there.
    reserveIds: () => Promise.resolve(),
    async bulkInsert(q, table, rows) {
      if (rows.length === 0) return;
      const columns = columnNames(rows[0]!);
      // json_extract gives SQLite's own values: integers, text, 1/0 for booleans, JSON text for objects.
      const values = columns.map((c) => `json_extract(value, '$.${c}')`).join(", ");
      await q.run(sql`insert into ${sql.identifier(table)} (${sql.raw(columns.map((c) => `"${c}"`).join(", "))}) select ${sql.raw(values)} from json_each(${JSON.stringify(rows)})`);
    },
    rateLimiter: (options) => new GatedRateLimiterSQLite(gate, withStatementCache(client), options),
    close: () => void client.close(),
  };
}

/** The proxy driver's callback, minus the gate: raw rows (arrays), as drizzle maps them. */
function statementRunner(client: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  const prepare = (text: string) => {
    let statement = statements.get(text);
    if (!statement) {
      statement = client.prepare(text);
      if (statement.reader) statement.raw(true);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      statements.set(text, statement);
    }
    return statement;
  };
  return (text: string, params: unknown[], method: Parameters<AsyncRemoteCallback>[2]): { rows: unknown[] } => {
    // SQLite ends a transaction by itself on some errors (a full disk); drizzle's ROLLBACK
    // after that would fail and hide the error that matters.
    if (text === "rollback" && !client.inTransaction) return { rows: [] };
    const statement = prepare(text);
    if (!statement.reader) {
      statement.run(...params);
      return { rows: [] };
    }
    if (method === "get") return { rows: statement.get(...params) as unknown[] };
    return { rows: statement.all(...params) };
  };
}

/**
 * The connection with prepare() memoised by SQL text, for the rate limiter, which
 * prepares the same few statements on every call (docs/benchmarks.md).
 */
function withStatementCache(client: Database.Database): Database.Database {
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

/**
 * rate-limiter-flexible's SQLite store, on the app's connection but never inside an open
 * transaction: each of its operations takes the connection from `_getConnection()` and
 * gives it back in `_releaseConnection()` around one synchronous statement (read in its
 * source, version 11), and those two take and release a shared turn of the gate. Without
 * this its upserts would join (and roll back with) whichever request's transaction was
 * open between two awaits.
 */
class GatedRateLimiterSQLite extends RateLimiterSQLite {
  constructor(
    private readonly gate: ConnectionGate,
    storeClient: Database.Database,
    options: RateLimiterOptions,
  ) {
    super({ ...options, storeClient, storeType: "better-sqlite3", tableName: "rate_limits", tableCreated: true, clearExpiredByTimeout: true });
  }

  async _getConnection(): Promise<Database.Database> {
    await this.gate.acquireShared();
    return (this as unknown as { client: Database.Database }).client;
  }

  _releaseConnection(): void {
    this.gate.releaseShared();
  }
}
