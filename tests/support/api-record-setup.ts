import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { API_RECORD_DIR_ENV, checkResponses, readRecordedResponses, servedOpenApiDocument } from "./api-contract";
import { ROOT } from "./app";

// Every response an ApiClient sees, over HTTP to the built server (tests/integration) or
// in-process (tests/handlers), is recorded, and checked at the end of the project's run
// against the OpenAPI document the routes declare (tests/support/api-contract.ts).

/** Below this, a full run of the project has stopped recording (the run of 2026-12-06 checked about the double). */
const MIN_CHECKED_IN_FULL_RUN: Record<string, number> = { integration: 60, handlers: 400 };

export default function setup(project: TestProject): () => Promise<void> {
  const recordDir = mkdtempSync(path.join(tmpdir(), "gatehouse-api-record-"));
  process.env[API_RECORD_DIR_ENV] = recordDir;
  return async () => {
    try {
      await checkRecordedResponses(project.name, recordDir);
    } catch (error) {
      // Vitest prints a teardown error but does not fail the run for it.
      process.exitCode = 1;
      throw error;
    } finally {
      rmSync(recordDir, { recursive: true, force: true });
    }
  };
}

async function checkRecordedResponses(name: string, recordDir: string): Promise<void> {
  const responses = readRecordedResponses(recordDir);
  const report = checkResponses(await servedOpenApiDocument(), responses);
  const filesRecorded = new Set(responses.map((r) => r.testFile && path.basename(r.testFile)));
  const testDir = path.join(ROOT, "tests", name);
  const onPostgres = Boolean(process.env.GATEHOUSE_TEST_POSTGRES_URL);
  const filesUsingClient = readdirSync(testDir).filter((file) => {
    if (!file.endsWith(".test.ts")) return false;
    const source = readFileSync(path.join(testDir, file), "utf8");
    // A PostgreSQL-only file records nothing in a SQLite run.
    return source.includes("support/client") && (onPostgres || !source.includes("skipIf(!TEST_POSTGRES_URL)"));
  });
  const fullRun = filesUsingClient.length > 0 && filesUsingClient.every((file) => filesRecorded.has(file));
  console.log(
    `OpenAPI check (${name}): ${report.checked} API responses matched the document, ${report.skipped} non-API skipped, ` +
      `${report.failures.length} failed (${filesRecorded.size} test files recorded${fullRun ? ", full run" : ""}).`,
  );
  if (report.failures.length) {
    throw new Error(`Responses that break the OpenAPI document (the routes' declarations, lib/api-schemas.ts):\n${report.failures.join("\n")}`);
  }
  const minimum = fullRun ? (MIN_CHECKED_IN_FULL_RUN[name] ?? 1) : filesUsingClient.length && filesRecorded.size ? 1 : 0;
  if (report.checked < minimum) {
    throw new Error(`OpenAPI check (${name}): only ${report.checked} responses checked, expected at least ${minimum}; is ApiClient still recording?`);
  }
}
