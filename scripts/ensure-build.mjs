// Never test an old build: run `next build` when there is no production build, or when
// any file it is made from is newer than the build. Used by the integration tests'
// global setup and before the first Playwright web server starts (see
// playwright.config.ts for why not Playwright's globalSetup); `npm test` builds first,
// so both then find the build fresh and skip this.
//
//   node scripts/ensure-build.mjs            build if stale
//   node scripts/ensure-build.mjs --check    only say whether it is stale (exit 1 if so)
//
// Plain JavaScript, so that it runs with `node` alone before anything is compiled.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), "..");
const buildIdOf = (root) => path.join(root, ".next", "BUILD_ID");
const BUILD_ID = buildIdOf(ROOT);
const LOCK = path.join(ROOT, ".next-build.lock");

// What the build is made of: the app's code and the configuration that shapes it.
// (db/migrations is read at run time, but a changed schema.ts changes the code.)
const SOURCE_DIRS = ["app", "lib", "db", "public"];
const SOURCE_FILES = [
  "proxy.ts",
  "instrumentation.ts",
  "next.config.ts",
  "server.js",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "postcss.config.mjs",
];

/** The newest source file under `root` and its modification time (ms), or null if there is none. */
function newestSource(root) {
  let newest = null;
  const consider = (file) => {
    const mtimeMs = statSync(file).mtimeMs;
    if (!newest || mtimeMs > newest.mtimeMs) newest = { file: path.relative(root, file), mtimeMs };
  };
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) consider(full);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(root, dir))) walk(path.join(root, dir));
  for (const file of SOURCE_FILES) if (existsSync(path.join(root, file))) consider(path.join(root, file));
  return newest;
}

/** Why the build in `root` (default: this checkout) must be made again, or null when it is fresh. */
export function staleReason(root = ROOT) {
  const buildId = buildIdOf(root);
  if (!existsSync(buildId) || statSync(buildId).size === 0) return "no production build (.next/BUILD_ID)";
  const built = statSync(buildId).mtimeMs;
  const newest = newestSource(root);
  if (newest && newest.mtimeMs > built) return `${newest.file} is newer than the build`;
  return null;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One build at a time in this checkout: a second caller waits, then finds it fresh. */
function withLock(run) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      // A lock older than any build could take was left by a killed process.
      if (Date.now() - statSync(LOCK).mtimeMs > 10 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${LOCK} held for 10 minutes`);
      else sleep(500);
    }
  }
  try {
    return run();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export function ensureBuild() {
  if (!staleReason()) return false;
  return withLock(() => {
    const reason = staleReason();
    if (!reason) return false;
    // stderr: Playwright shows a web server's stderr, not its stdout.
    console.error(`ensure-build: ${reason}; running \`next build\`.`);
    const started = Date.now();
    execFileSync(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: ROOT,
      stdio: ["ignore", 2, 2],
      // Type checking is `npm run typecheck`'s job (as in `npm test`); this build is for tests.
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", GATEHOUSE_BUILD_SKIP_TYPECHECK: "1", NODE_ENV: "production" },
    });
    // The build holds the sources as they were when it started: a file saved during the
    // build is then newer than BUILD_ID and triggers the next build.
    utimesSync(BUILD_ID, started / 1000, started / 1000);
    console.error(`ensure-build: built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return true;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  if (process.argv.includes("--check")) {
    const reason = staleReason();
    console.log(reason ? `stale: ${reason}` : "fresh");
    process.exit(reason ? 1 : 0);
  }
  ensureBuild();
}
