import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { format } from "node:util";
import { afterAll, afterEach, beforeEach, expect, vi, type MockInstance } from "vitest";
import { closeDb } from "@/lib/db";
import { resetSingletons } from "@/lib/singleton";

// Every unit test gets a fresh, migrated SQLite file and a fresh environment. The lib
// modules open it through getDb() like the app does.
//
// A console.error fails the test that caused it (as in the Epic Stack): an error the app
// logs is either a bug or a path the test means to take, and then it says so with
// expectConsoleError() before the call that logs.

const root = mkdtempSync(path.join(tmpdir(), "gatehouse-unit-"));
let counter = 0;
const baseEnv = { ...process.env };

let consoleError: MockInstance<typeof console.error>;
let expectedErrors: RegExp[] = [];

/**
 * Declare that this test makes the code log an error matching `pattern` (one or more
 * times). Returns the logged lines, for assertions on what was logged.
 */
export function expectConsoleError(pattern: RegExp = /./): () => string[] {
  expectedErrors.push(pattern);
  return () => consoleError.mock.calls.map((args) => format(...args)).filter((line) => pattern.test(line));
}

beforeEach(() => {
  expectedErrors = [];
  consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
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
  const lines = consoleError.mock.calls.map((args) => format(...args));
  consoleError.mockRestore();
  const unexpected = lines.filter((line) => !expectedErrors.some((pattern) => pattern.test(line)));
  expect(unexpected, "console.error during the test (declare it with expectConsoleError() if it is meant)").toEqual([]);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));
