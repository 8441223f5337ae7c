import { getTableName, is, Table } from "drizzle-orm";
import { getTableConfig as pgConfig, PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { pgKit, sqliteKit } from "@/db/kit";
import * as pgSchema from "@/db/schema-pg";
import * as sqliteSchema from "@/db/schema";

// The tables are written once (db/tables.ts) and spelled by a kit per dialect (db/kit.ts).
// What can still go wrong is the kit: a kind of column whose two spellings disagree on a
// key, a default or a type that carries SQLite's form of a value. This holds each kind to
// its pair, and the two schemas the kits build to the same shape.

/** Each kind of column the kit offers → its SQLite and PostgreSQL column types (db/kit.ts's pairs). */
const PAIRS = {
  id: ["SQLiteInteger", "PgInteger"],
  text: ["SQLiteText", "PgText"],
  integer: ["SQLiteInteger", "PgInteger"],
  bigInteger: ["SQLiteInteger", "PgBigInt53"],
  timestamp: ["SQLiteTimestamp", "PgBigInt53"],
  boolean: ["SQLiteBoolean", "PgBoolean"],
  json: ["SQLiteTextJson", "PgJsonb"],
} satisfies Record<string, [sqlite: string, pg: string]>;

type Kind = keyof typeof PAIRS;

/** One table of one column of `kind`, in each dialect. */
function column(kind: Kind) {
  const build = (kit: typeof sqliteKit) => kit.table("t", { c: kind === "id" ? kit.id() : (kit[kind] as (name: string) => ReturnType<typeof kit.text>)("c") });
  const s = sqliteConfig(build(sqliteKit)).columns[0]!;
  const p = pgConfig(build(pgKit) as unknown as PgTable).columns[0]!;
  return { s, p };
}

const tablesOf = <T extends Table>(schema: Record<string, unknown>, kind: typeof SQLiteTable | typeof PgTable) =>
  new Map(Object.values(schema).filter((v): v is T => is(v, kind as never)).map((t) => [getTableName(t), t]));

type Shape = {
  columns: Record<string, { notNull: boolean; hasDefault: boolean | "n/a"; primary: boolean; unique: boolean; enumValues?: string[] }>;
  indexes: string[];
  /** Keys of several columns (oidc_models, oidc_consents). */
  primaryKeys: string[];
  foreignKeys: string[];
};

function shape(config: ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>): Shape {
  const columns: Shape["columns"] = {};
  for (const c of config.columns) {
    // Not compared for a primary key: SQLite fills any INTEGER PRIMARY KEY (it is the
    // rowid), so drizzle marks even totp_credentials.user_id as defaulted there.
    columns[c.name] = { notNull: c.notNull, hasDefault: c.primary ? "n/a" : c.hasDefault, primary: c.primary, unique: c.isUnique, enumValues: c.enumValues };
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
  const primaryKeys = config.primaryKeys.map((k) => k.columns.map((c) => c.name).join(", ")).sort();
  return { columns, indexes, primaryKeys, foreignKeys };
}

describe("the table kit", () => {
  it("pairs each kind of column with a PostgreSQL type that takes and gives back SQLite's form", () => {
    const kinds = Object.keys(sqliteKit).filter((k) => !["table", "now", "index", "uniqueIndex", "primaryKey"].includes(k));
    expect(kinds.sort()).toEqual(Object.keys(PAIRS).sort());
    for (const kind of Object.keys(PAIRS) as Kind[]) {
      const { s, p } = column(kind);
      expect([s.columnType, p.columnType], kind).toEqual(PAIRS[kind]);
    }
  });

  it("makes a key of several columns in both", () => {
    const build = (kit: typeof sqliteKit) => kit.table("t", { a: kit.text("a").notNull(), b: kit.integer("b").notNull() }, (t) => [kit.primaryKey({ columns: [t.a, t.b] })]);
    const s = sqliteConfig(build(sqliteKit));
    const p = pgConfig(build(pgKit) as unknown as PgTable);
    expect(s.primaryKeys.map((k) => k.columns.map((c) => c.name))).toEqual([["a", "b"]]);
    expect(p.primaryKeys.map((k) => k.columns.map((c) => c.name))).toEqual([["a", "b"]]);
  });

  it("makes an id the key, filled by the database, in both", () => {
    const { s, p } = column("id");
    expect([s.primary, p.primary]).toEqual([true, true]);
    expect((s as unknown as { autoIncrement?: boolean }).autoIncrement).toBe(true);
    expect((p as unknown as { generatedIdentity?: { type: string } }).generatedIdentity?.type).toBe("byDefault");
  });

  it("builds the same tables, columns, keys, defaults, indexes and foreign keys for both databases", () => {
    const sqliteTables = tablesOf<SQLiteTable>(sqliteSchema, SQLiteTable);
    const pgTables = tablesOf<PgTable>(pgSchema, PgTable);
    expect(sqliteTables.size).toBeGreaterThan(10);
    expect([...pgTables.keys()].sort()).toEqual([...sqliteTables.keys()].sort());
    for (const [name, table] of sqliteTables) {
      const s = sqliteConfig(table);
      const p = pgConfig(pgTables.get(name)!);
      expect(shape(p), name).toEqual(shape(s));
      for (const c of s.columns) {
        const twin = p.columns.find((x) => x.name === c.name)!;
        const pair = `${c.columnType} / ${twin.columnType}`;
        expect(Object.values(PAIRS).map(([a, b]) => `${a} / ${b}`), `${name}.${c.name}`).toContain(pair);
      }
    }
  });
});
