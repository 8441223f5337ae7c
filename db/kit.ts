import { sql, type SQL } from "drizzle-orm";
import * as pg from "drizzle-orm/pg-core";
import * as sqlite from "drizzle-orm/sqlite-core";

// How each kind of column is spelled on each database (docs/decisions/031): the tables
// are written once, against a kit (db/tables.ts), and each dialect's schema file is that
// function called with its kit. drizzle 0.45 has no dialect-neutral table builder, so
// this file is where the two meet, and it holds the only casts of the data layer.
//
// lib/ builds every query from the SQLite tables and runs it on either driver
// (docs/decisions/003), so each pair below must take the value in SQLite's form and give
// it back in that form (tests/unit/table-kit.test.ts holds each pair to that):
// - timestamps: integer milliseconds since the epoch / bigint in number mode (db/postgres.ts
//   reads int8 as a number; milliseconds stay far below 2^53), defaulted by the database
//   itself so rows written outside the app get them too;
// - booleans: integers 1/0 / boolean (PostgreSQL takes 1/0 as boolean input);
// - JSON: text / jsonb, read back as its text (db/postgres.ts), which SQLite's columns parse;
// - ids: an auto-incrementing integer key / an identity column.

export const sqliteKit = {
  table: sqlite.sqliteTable,
  id: () => sqlite.integer("id").primaryKey({ autoIncrement: true }),
  text: sqlite.text,
  /** A 32-bit integer. */
  integer: (name: string) => sqlite.integer(name),
  /** An integer past 2^31 (a WebAuthn counter, a limiter's expiry in milliseconds). */
  bigInteger: (name: string) => sqlite.integer(name),
  /** Milliseconds since the epoch, read as a Date. */
  timestamp: (name: string) => sqlite.integer(name, { mode: "timestamp_ms" }),
  boolean: (name: string) => sqlite.integer(name, { mode: "boolean" }),
  json: <T>(name: string) => sqlite.text(name, { mode: "json" }).$type<T>(),
  /** Now, in milliseconds, as the database computes it: the default of timestamps. */
  now: sql`(cast(unixepoch('subsec') * 1000 as integer))`,
  index: sqlite.index,
  uniqueIndex: sqlite.uniqueIndex,
  /** A key of several columns. */
  primaryKey: sqlite.primaryKey,
};

/** What db/tables.ts writes its tables with: the SQLite kit's shape, whose types lib/ queries by. */
export type Kit = typeof sqliteKit;

const pgKitAsWritten = {
  table: pg.pgTable,
  id: () => pg.integer("id").primaryKey().generatedByDefaultAsIdentity(),
  text: pg.text,
  integer: (name: string) => pg.integer(name),
  bigInteger: (name: string) => pg.bigint(name, { mode: "number" }),
  timestamp: (name: string) => pg.bigint(name, { mode: "number" }),
  boolean: (name: string) => pg.boolean(name),
  json: (name: string) => pg.jsonb(name),
  now: sql`(floor(extract(epoch from clock_timestamp()) * 1000)::bigint)`,
  index: pg.index,
  uniqueIndex: pg.uniqueIndex,
  primaryKey: pg.primaryKey,
};

/**
 * The PostgreSQL kit, typed as the SQLite one so that the one definition type-checks for
 * both. Sound for its only reader, drizzle-kit (db/migrations-pg), which reads the tables
 * as values; lib/ never queries these tables (it queries SQLite's on either driver).
 */
export const pgKit = pgKitAsWritten as unknown as Kit;

/**
 * A node-postgres database or transaction as the SQLite-typed builder lib/ queries with
 * (db/store.ts `Queryable`). Sound because lib/ uses only what both drivers implement
 * alike (awaited select/insert/update/delete, returning, onConflictDoUpdate, prepare and
 * execute) and the kit's column pairs above carry SQLite's value forms both ways.
 */
export const asSqliteBuilder = <Q>(database: object): Q => database as Q;

/**
 * The node-postgres database or transaction that asSqliteBuilder gave as a `Queryable`,
 * for the statements only PostgreSQL spells (db/postgres.ts: reserveIds, bulkInsert).
 */
export const fromSqliteBuilder = (q: object) => q as { execute(query: SQL): Promise<unknown> };
