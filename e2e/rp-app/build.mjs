// Build the app when it has no build or a source is newer (e2e/oidc.spec.ts; `npm test`
// runs this beside Gatehouse's own build).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const DIR = import.meta.dirname;
const ROOT = path.resolve(DIR, "../..");
const marker = path.join(DIR, ".next", "BUILD_ID");
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
    if (entry.name === ".next" || entry.name === "node_modules") return max;
    const full = path.join(dir, entry.name);
    return Math.max(max, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }, 0);
const version = statSync(path.join(ROOT, "node_modules/next/package.json")).mtimeMs;
if (existsSync(marker) && statSync(marker).mtimeMs > Math.max(newest(DIR), version)) process.exit(0);
console.log("building the relying-party app (e2e/rp-app)");
execFileSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build", DIR], {
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
