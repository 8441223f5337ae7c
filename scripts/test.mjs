// `npm test`: every layer of the README's test table, stopping at the first that fails,
// and a table of each step's time at the end (and on failure).
//
// The suite must finish in well under five minutes on a two-core machine (README "Tests"),
// so it runs two lanes side by side (docs/decisions/021):
//
//   lane 1  typecheck → build → e2e                  (the build must wait for typecheck:
//           `next build` empties .next/, where `next typegen` wrote the route types tsc
//           reads; e2e runs the build)
//   lane 2  rp app build → unit → handlers → integration   (first the second app e2e signs
//           in through, e2e/rp-app/.next: Auth.js against Gatehouse's OpenID Connect
//           provider; then no build, no server; integration waits for lane 1's build.)
//
// Neither step of a lane fills both cores (decision 021): lane 2 fills the other core
// while typecheck, the build and then e2e run. Lane 2's output is printed when each of
// its steps ends, so lane 1's stays readable. The load tests, the bench's ceiling build and the screen gallery are not
// here: `npm run test:load` and `npm run test:gallery`, which .ci/run runs after this.
//
//   node scripts/test.mjs           (npm test)
import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

/** name → the command that runs it, as the README's table names the layers. */
const STEPS = {
  typecheck: ["npm", "run", "typecheck"],
  unit: ["npm", "run", "test:unit"],
  handlers: ["npm", "run", "test:handlers"],
  "rp app build": [process.execPath, "e2e/rp-app/build.mjs"],
  build: ["env", "GATEHOUSE_BUILD_SKIP_TYPECHECK=1", "npm", "run", "build"],
  integration: ["npx", "vitest", "run", "--project", "integration"],
  e2e: ["npm", "run", "test:e2e"],
};

const started = Date.now();
// e2e starts the second app from its build; Playwright would build it itself if it were
// missing or stale, but not while lane 2 is still writing it. Integration runs lane 1's
// build, so it waits for that.
let rpAppBuilt;
const rpAppReady = new Promise((resolve) => (rpAppBuilt = resolve));
let appBuilt;
const appReady = new Promise((resolve) => (appBuilt = resolve));
const times = new Map(); // step → seconds, or "failed after N s"
const running = new Set();
const stopped = new Set(); // children this script stopped because another step failed

/** Run one step; `buffered` holds its output until it ends. Resolves true when it passed. */
function run(name, { buffered = false } = {}) {
  const [command, ...args] = STEPS[name];
  const t0 = Date.now();
  console.log(`\n── ${name} ──${buffered ? " (side by side with the lane above; output when it ends)" : ""}`);
  // A process group of its own, so a failure elsewhere can stop the whole step.
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", buffered ? "pipe" : "inherit", buffered ? "pipe" : "inherit"] });
  running.add(child);
  const output = [];
  child.stdout?.on("data", (chunk) => output.push(chunk));
  child.stderr?.on("data", (chunk) => output.push(chunk));
  return new Promise((resolve) => {
    child.once("close", (code, signal) => {
      running.delete(child);
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      if (buffered) {
        console.log(`\n── ${name}: its output ──`);
        process.stdout.write(Buffer.concat(output));
      }
      const ok = code === 0;
      const outcome = ok ? "passed" : stopped.has(child) ? "stopped (another step failed)" : `FAILED (${signal ?? `exit ${code}`})`;
      times.set(name, ok ? `${seconds} s` : `${outcome} after ${seconds} s`);
      console.log(`── ${name}: ${outcome} in ${seconds} s ──`);
      resolve(ok);
    });
  });
}

function stopAll() {
  // A lane waiting on another's step stops waiting (it would never come).
  rpAppBuilt(false);
  appBuilt(false);
  for (const child of running) {
    stopped.add(child);
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

function finish(ok) {
  console.log("\n| step | time |\n| --- | ---: |");
  for (const name of Object.keys(STEPS)) console.log(`| ${name} | ${times.get(name) ?? "not run"} |`);
  console.log(`| whole run | ${((Date.now() - started) / 1000).toFixed(1)} s |`);
  console.log(ok ? "\nnpm test: every layer passed." : "\nnpm test: FAILED (see above).");
  process.exit(ok ? 0 : 1);
}

/** Every lane to its end, or the first failure (which stops the others). */
async function lanes(...chains) {
  let failed = false;
  await Promise.all(
    chains.map(async (chain) => {
      for (const step of chain) {
        if (failed) return;
        if (!(await step())) {
          failed = true;
          stopAll();
        }
      }
    }),
  );
  return !failed;
}

process.once("SIGINT", () => {
  stopAll();
  finish(false);
});

finish(
  await lanes(
    [() => run("typecheck"), () => run("build").then((ok) => (appBuilt(ok), ok)), () => rpAppReady, () => run("e2e")],
    [
      () => run("rp app build", { buffered: true }).then((ok) => (rpAppBuilt(ok), ok)),
      () => run("unit", { buffered: true }),
      () => run("handlers", { buffered: true }),
      () => appReady,
      () => run("integration", { buffered: true }),
    ],
  ),
);
