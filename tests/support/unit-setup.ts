import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { format } from "node:util";
import { afterAll, afterEach, beforeEach, expect, vi, type MockInstance } from "vitest";
import { flushRateLimits } from "@/lib/auth/rate-limit";
import { closeDb } from "@/lib/db";
import { resetSingletons } from "@/lib/singleton";
import { seedSqliteFile } from "./test-database";

// Every unit test gets a fresh, migrated SQLite file (a copy of the run's migrated
// template: tests/support/template-database-setup.ts) and a fresh environment. The lib
// modules open it through getDb() like the app does. useEnv() runs a test with variables
// of its own; an in-process app (tests/support/in-process-app.ts) may hold the
// environment for a whole file.
//
// A console.error fails the test that caused it (as in the Epic Stack): an error the app
// logs is either a bug or a path the test means to take, and then it says so with
// expectConsoleError() before the call that logs.

// Vitest runs this file again before every test file, and with isolation off (the unit
// and handler projects: docs/decisions/055) the modules stay loaded between files. So
// what must be one per worker (the environment the worker started with, the log taps,
// the hold on the environment) lives on globalThis, made once; the rest is per file.
type WorkerState = {
  baseEnv: NodeJS.ProcessEnv;
  logLines: string[];
  holder: object | null;
  expectedErrors: RegExp[];
  consoleError?: MockInstance<typeof console.error>;
};
const STATE = Symbol.for("gatehouse.unitSetup");
const state: WorkerState = ((globalThis as Record<symbol, unknown>)[STATE] as WorkerState | undefined) ??
  (() => {
    const created: WorkerState = { baseEnv: { ...process.env }, logLines: [], holder: null, expectedErrors: [] };
    (globalThis as Record<symbol, unknown>)[STATE] = created;
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      created.logLines.push(...String(chunk).split("\n").filter(Boolean));
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    const warn = console.warn.bind(console);
    console.warn = (...args: unknown[]) => {
      created.logLines.push(format(...args));
      warn(...args);
    };
    return created;
  })();

const root = mkdtempSync(path.join(tmpdir(), "gatehouse-unit-"));
let counter = 0;
const { baseEnv } = state;

/** Every line the app logged in this file (lib/log: info on stdout, warn and error on the console), oldest first. */
export const logLines: string[] = state.logLines;
// A new file starts with an empty log, and with the environment its worker started with.
logLines.length = 0;
state.holder = null;
process.env = { ...baseEnv };

/**
 * Declare that this test makes the code log an error matching `pattern` (one or more
 * times). Returns the logged lines, for assertions on what was logged.
 */
export function expectConsoleError(pattern: RegExp = /./): () => string[] {
  state.expectedErrors.push(pattern);
  return () => state.consoleError!.mock.calls.map((args) => format(...args)).filter((line) => pattern.test(line));
}

/** The environment every test starts from: the test's own database file, a loopback APP_URL, no mail or provider keys. */
function testEnv(databaseFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...baseEnv, NODE_ENV: "test", DATABASE_URL: `file:${databaseFile}`, APP_URL: "http://127.0.0.1:3999" };
  for (const key of Object.keys(env)) {
    if (key.startsWith("RESEND_") || key.startsWith("GOOGLE_") || key.startsWith("GITHUB_")) delete env[key];
  }
  return env;
}

/**
 * Run the rest of this test as a process started with these variables would (undefined
 * removes one): whatever was derived from the configuration (the parsed environment, the
 * database connection, the limiters, the hashing line, the signing key) is made afresh.
 * The database file stays, as it does across a restart.
 */
export async function useEnv(values: Record<string, string | undefined>): Promise<void> {
  await flushRateLimits();
  await closeDb();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetSingletons();
}

/** While `owner` holds it, tests do not reset the environment or the database between them (a file-wide app). */
export function holdEnvironment(owner: object | null): void {
  state.holder = owner;
}

beforeEach(() => {
  state.expectedErrors = [];
  state.consoleError = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logLines.push(format(...args)));
  if (state.holder) return;
  counter += 1;
  const file = path.join(root, `t${counter}`, "gatehouse.db");
  seedSqliteFile(file);
  process.env = testEnv(file);
  resetSingletons();
});

afterEach(async () => {
  if (!state.holder) {
    await flushRateLimits();
    await closeDb();
    resetSingletons();
  }
  vi.useRealTimers();
  const lines = state.consoleError!.mock.calls.map((args) => format(...args));
  state.consoleError!.mockRestore();
  const unexpected = lines.filter((line) => !state.expectedErrors.some((pattern) => pattern.test(line)));
  expect(unexpected, "console.error during the test (declare it with expectConsoleError() if it is meant)").toEqual([]);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));
