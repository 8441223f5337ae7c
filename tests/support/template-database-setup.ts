import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openPostgresStore } from "@/db/postgres";
import { openSqliteStore } from "@/db/sqlite";
import { SQLITE_TEMPLATE_ENV, POSTGRES_TEMPLATE_ENV, POSTGRES_TEMPLATE_NAME, TEST_POSTGRES_URL_ENV, withAdmin } from "./test-database";

// Migrate once, copy for each test (the Epic Stack's approach): a SQLite file, and on a
// PostgreSQL run a template database, both migrated here at the start of the run. Each
// test's database (tests/support/test-database.ts, unit-setup.ts) starts as a copy, and
// the store's own migration at open finds nothing left to do.
export default async function setup(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-template-"));
  const file = path.join(dir, "template.db");
  // Closing the only connection checkpoints the WAL into the file: a plain copy is whole.
  openSqliteStore(`file:${file}`).close();
  process.env[SQLITE_TEMPLATE_ENV] = file;

  const postgres = process.env[TEST_POSTGRES_URL_ENV];
  if (postgres) {
    await withAdmin(async (admin) => {
      await admin.query(`drop database if exists "${POSTGRES_TEMPLATE_NAME}" with (force)`);
      await admin.query(`create database "${POSTGRES_TEMPLATE_NAME}"`);
    });
    const url = new URL(postgres);
    url.pathname = `/${POSTGRES_TEMPLATE_NAME}`;
    const store = openPostgresStore(url.toString(), { poolSize: 1 });
    try {
      await store.ready();
    } finally {
      await store.close();
    }
    process.env[POSTGRES_TEMPLATE_ENV] = POSTGRES_TEMPLATE_NAME;
  }
  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (postgres) await withAdmin((admin) => admin.query(`drop database if exists "${POSTGRES_TEMPLATE_NAME}" with (force)`)).catch(() => {});
  };
}
