import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, ROOT } from "./app";

// `npm run test:integration:pg` (GATEHOUSE_TEST_DATABASE=postgres): the integration suite
// on PostgreSQL. Unless the caller already runs a server (GATEHOUSE_TEST_POSTGRES_URL, as
// .ci/run does), a throwaway cluster is started on loopback for this run and removed after
// it (scripts/pg-cluster.sh). Each app then gets a database of its own on it
// (tests/support/test-database.ts). Without the variable this does nothing: SQLite.
export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.GATEHOUSE_TEST_DATABASE !== "postgres" || process.env.GATEHOUSE_TEST_POSTGRES_URL) return undefined;
  const script = path.join(ROOT, "scripts", "pg-cluster.sh");
  const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-pg-"));
  const url = execFileSync(script, ["start", dir, String(await freePort())], { encoding: "utf8" }).trim();
  process.env.GATEHOUSE_TEST_POSTGRES_URL = url;
  console.log(`PostgreSQL run: throwaway cluster at ${url}`);
  return () => {
    execFileSync(script, ["stop", dir], { stdio: "inherit" });
  };
}
