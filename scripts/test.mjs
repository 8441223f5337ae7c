// `npm test`: every layer of the README's test table, stopping at the first that fails,
// and a table of each step's time at the end (and on failure).
//
// The suite must finish in under five minutes on a two-core machine (README "Tests"), so
// the first phase runs three lanes side by side. None of them fills both cores alone
// (measured: typecheck ~1.2 cores, the unit tests ~1, `next build` ~0.8):
//
//   lane 1  typecheck → unit → handlers     (streamed as it runs)
//   lane 2  the bench's ceiling app build   (bench/ceiling/.next; only the load tests need it),
//           then the second app's build      (e2e/rp-app/.next: Auth.js signing in through
//                                            Gatehouse's OpenID Connect provider, for e2e)
//   lane 3  build, once typecheck is done   (`next build` empties .next/, where
//                                            `next typegen` wrote the route types tsc reads)
//
// Then, one at a time, as before: integration, load (alone, it measures answer times),
// e2e. Lanes 2 and 3 print their output when they end, so lane 1's stays readable.
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
  "ceiling build": [process.execPath, "bench/run.mjs", "--build-ceiling"],
  "rp app build": [process.execPath, "e2e/rp-app/build.mjs"],
  build: ["env", "GATEHOUSE_BUILD_SKIP_TYPECHECK=1", "npm", "run", "build"],
  integration: ["npx", "vitest", "run", "--project", "integration"],
  load: ["npx", "vitest", "run", "--project", "load"],
  e2e: ["npm", "run", "test:e2e"],
};

const started = Date.now();
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

let typechecked;
const typecheckDone = new Promise((resolve) => (typechecked = resolve));
const firstPhase = await lanes(
  [() => run("typecheck").then((ok) => (typechecked(ok), ok)), () => run("unit"), () => run("handlers")],
  [() => run("ceiling build", { buffered: true }), () => run("rp app build", { buffered: true })],
  [() => typecheckDone, () => run("build", { buffered: true })],
);
if (!firstPhase) finish(false);
for (const name of ["integration", "load", "e2e"]) {
  if (!(await run(name))) finish(false);
}
finish(true);
