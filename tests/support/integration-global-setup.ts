import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./app";

// Integration tests run the built app. `npm test` builds first; when a developer runs
// `npm run test:integration` alone without a build, make one rather than fail obscurely.
export default function setup(): void {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  if (existsSync(buildId) && statSync(buildId).size > 0) return;
  console.log("No production build found: running `next build` first.");
  execFileSync("npx", ["next", "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
}
