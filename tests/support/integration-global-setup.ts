import { execFileSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "./app";

// Integration tests run the built app. scripts/ensure-build.mjs builds when there is no
// build or any source file is newer than it, so `npm run test:integration` after an edit
// tests the edit, never the previous build. (`npm test` builds first; this then finds
// the build fresh and returns at once.)
export default function setup(): void {
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "ensure-build.mjs")], { cwd: ROOT, stdio: "inherit" });
}
