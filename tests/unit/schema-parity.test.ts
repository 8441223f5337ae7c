import { getTableName, is, Table } from "drizzle-orm";
import { getTableConfig as pgConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as pgSchema from "@/db/schema-pg";
import * as sqliteSchema from "@/db/schema";

// lib/ builds every query from db/schema.ts and runs it on either database
// (docs/decisions/003), so the PostgreSQL schema must have the same tables, columns,
// keys and indexes, each column in a type that takes and gives back SQLite's form of its
// value. This compares them table by table, column by column; a column added to one
// schema and not the other fails here before it fails in production.

/** SQLite column type → the PostgreSQL types that round-trip its values (db/schema-pg.ts). */
const COMPATIBLE: Record<string, string[]> = {
  "SQLiteInteger": ["PgInteger", "PgBigInt53"],
  "SQLiteTimestamp": ["PgBigInt53"],
  "SQLiteBoolean": ["PgBoolean"],
  "SQLiteText": ["PgText"],
  "SQLiteTextJson": ["PgJsonb"],
};

const tablesOf = <T extends Table>(schema: Record<string, unknown>, kind: typeof SQLiteTable | typeof PgTable) =>
  new Map(Object.values(schema).filter((v): v is T => is(v, kind as never)).map((t) => [getTableName(t), t]));

const sqliteTables = tablesOf<SQLiteTable>(sqliteSchema, SQLiteTable);
const pgTables = tablesOf<PgTable>(pgSchema, PgTable);

type Shape = {
  columns: Record<string, { notNull: boolean; hasDefault: boolean | "n/a"; primary: boolean; unique: boolean; enumValues?: string[] }>;
  indexes: string[];
  foreignKeys: string[];
};

function shape(config: ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>): Shape {
  const columns: Shape["columns"] = {};
  for (const c of config.columns) {
    // Not compared for a primary key: SQLite fills any INTEGER PRIMARY KEY (it is the
    // rowid), so drizzle marks even totp_credentials.user_id as defaulted there.
    const hasDefault = c.primary ? "n/a" : c.hasDefault;
    columns[c.name] = { notNull: c.notNull, hasDefault, primary: c.primary, unique: c.isUnique, enumValues: c.enumValues };
  }
  const indexes = config.indexes
    .map((i) => `${i.config.name}${i.config.unique ? " unique" : ""} (${i.config.columns.map((c) => ("name" in c ? c.name : "?")).join(", ")})`)
    .sort();
  const foreignKeys = config.foreignKeys
    .map((fk) => {
      const ref = fk.reference();
      return `${ref.columns.map((c) => c.name).join(",")} → ${getTableName(ref.foreignTable)}(${ref.foreignColumns.map((c) => c.name).join(",")}) on delete ${fk.onDelete ?? "no action"}`;
    })
    .sort();
  return { columns, indexes, foreignKeys };
}

describe("the PostgreSQL schema mirrors the SQLite schema", () => {
  it("has the same tables", () => {
    expect([...pgTables.keys()].sort()).toEqual([...sqliteTables.keys()].sort());
    expect(sqliteTables.size).toBeGreaterThan(10);
  });

  for (const [name, sqliteTable] of sqliteTables) {
    it(`${name}: same columns, keys, defaults, indexes and foreign keys; compatible types`, () => {
      const pgTable = pgTables.get(name);
      expect(pgTable, `${name} is missing from db/schema-pg.ts`).toBeDefined();
      const s = sqliteConfig(sqliteTable);
      const p = pgConfig(pgTable!);
      expect(shape(p)).toEqual(shape(s));
      for (const column of s.columns) {
        const twin = p.columns.find((c) => c.name === column.name)!;
        expect(COMPATIBLE[column.columnType] ?? [], `${name}.${column.name}: ${column.columnType} vs ${twin.columnType}`).toContain(twin.columnType);
      }
    });
  }
});
