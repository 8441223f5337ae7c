import { execFileSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "./app";

// Never test an old build (scripts/ensure-build.mjs builds when a source is newer).
export default function setup(): void {
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "ensure-build.mjs")], { cwd: ROOT, stdio: "inherit" });
}
