import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, vi } from "vitest";
import { closeDb } from "@/db/client";
import { resetSingletons } from "@/lib/singleton";

// Every unit test gets a fresh, migrated SQLite file and a fresh environment. The lib
// modules open it through getDb() like the app does.

const root = mkdtempSync(path.join(tmpdir(), "gatehouse-unit-"));
let counter = 0;
const baseEnv = { ...process.env };

beforeEach(() => {
  counter += 1;
  process.env = {
    ...baseEnv,
    NODE_ENV: "test",
    DATABASE_URL: `file:${path.join(root, `t${counter}`, "gatehouse.db")}`,
    APP_URL: "http://127.0.0.1:3999",
  };
  for (const key of Object.keys(process.env)) {
    if (key.startsWith("RESEND_") || key.startsWith("GOOGLE_") || key.startsWith("GITHUB_")) delete process.env[key];
  }
  resetSingletons();
});

afterEach(() => {
  closeDb();
  resetSingletons();
  vi.useRealTimers();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));
