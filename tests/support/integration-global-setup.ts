import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { API_RECORD_DIR_ENV, checkResponses, readRecordedResponses, servedOpenApiDocument } from "./api-contract";
import { ROOT } from "./app";

// Integration tests run the built app. scripts/ensure-build.mjs builds when there is no
// build or any source file is newer than it, so `npm run test:integration` after an edit
// tests the edit, never the previous build. (`npm test` builds first; this then finds
// the build fresh and returns at once.) Every response the tests' ApiClient sees is
// recorded, and checked at the end against the OpenAPI document (tests/support/api-contract.ts).
export default function setup(): () => Promise<void> {
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "ensure-build.mjs")], { cwd: ROOT, stdio: "inherit" });
  const recordDir = mkdtempSync(path.join(tmpdir(), "gatehouse-api-record-"));
  process.env[API_RECORD_DIR_ENV] = recordDir;
  return async () => {
    try {
      await checkRecordedResponses(recordDir);
    } catch (error) {
      // Vitest prints a teardown error but does not fail the run for it.
      process.exitCode = 1;
      throw error;
    } finally {
      rmSync(recordDir, { recursive: true, force: true });
    }
  };
}

/** Below this, a full run has stopped recording (the suite of 2026-11-30 checks about 490). */
const MIN_CHECKED_IN_FULL_RUN = 300;

async function checkRecordedResponses(recordDir: string): Promise<void> {
  const responses = readRecordedResponses(recordDir);
  const report = checkResponses(await servedOpenApiDocument(), responses);
  const filesRecorded = new Set(responses.map((r) => r.testFile && path.basename(r.testFile)));
  const integrationDir = path.join(ROOT, "tests", "integration");
  const onPostgres = Boolean(process.env.GATEHOUSE_TEST_POSTGRES_URL);
  const filesUsingClient = readdirSync(integrationDir).filter((name) => {
    if (!name.endsWith(".test.ts")) return false;
    const source = readFileSync(path.join(integrationDir, name), "utf8");
    // A PostgreSQL-only file records nothing in a SQLite run.
    return source.includes("support/client") && (onPostgres || !source.includes("skipIf(!TEST_POSTGRES_URL)"));
  });
  const fullRun = filesUsingClient.every((name) => filesRecorded.has(name));
  console.log(
    `OpenAPI check: ${report.checked} API responses matched the document, ${report.skipped} non-API skipped, ` +
      `${report.failures.length} failed (${filesRecorded.size} test files recorded${fullRun ? ", full run" : ""}).`,
  );
  if (report.failures.length) {
    throw new Error(`Responses that break the OpenAPI document (the routes' declarations, lib/api-schemas.ts):\n${report.failures.join("\n")}`);
  }
  const minimum = fullRun ? MIN_CHECKED_IN_FULL_RUN : 1;
  if (report.checked < minimum) {
    throw new Error(`OpenAPI check: only ${report.checked} responses checked, expected at least ${minimum}; is ApiClient still recording?`);
  }
}
