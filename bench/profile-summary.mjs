// Where a `node --cpu-prof` profile spent its time (npm run bench -- --profile writes one).
// Usage: node bench/profile-summary.mjs FILE.cpuprofile [how many rows, default 25]
// Prints self time by function and by package/file, and the total time under each of a
// few functions worth watching (inclusive), as shares of the non-idle samples.
import { readFileSync } from "node:fs";

const [file, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
const where = (cf) => {
  const url = cf.url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes("/.next/server/")) return "app bundle (.next/server)";
  if (url.startsWith("node:")) return url;
  return url || `(${cf.functionName || "native"})`;
};
const idle = new Set(["(idle)", "(program)", "(garbage collector)"]);
let busy = 0;
const byFunction = new Map();
const byPackage = new Map();
for (const [id, time] of self) {
  const cf = nodes.get(id).callFrame;
  if (cf.functionName === "(idle)") continue;
  busy += time;
  const fn = `${cf.functionName || "(anonymous)"} ${where(cf)}${cf.url ? `:${cf.lineNumber + 1}` : ""}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + time);
  const pkg = idle.has(cf.functionName) ? cf.functionName : where(cf);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
}
// Inclusive time of functions whose name matches, counted once per sample.
const inclusive = (pattern) => {
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      if (pattern.test(nodes.get(id).callFrame.functionName)) {
        total += profile.timeDeltas[i] ?? 0;
        break;
      }
    }
  }
  return total;
};
const pct = (t) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, rows);
console.log(`${file}: ${(busy / 1e6).toFixed(1)} s busy (idle excluded)\n\nself time by package or file:`);
for (const [k, t] of top(byPackage)) console.log(`${pct(t)}  ${k}`);
console.log("\nself time by function:");
for (const [k, t] of top(byFunction)) console.log(`${pct(t)}  ${k}`);
const watch = process.env.WATCH?.split(",") ?? ["proxy", "adapter", "writeSync", "consume", "getEnv", "jwtVerify", "runMiddleware", "handleCatchallMiddlewareRequest"];
console.log("\ninclusive time under functions named like:");
for (const name of watch) console.log(`${pct(inclusive(new RegExp(name)))}  ${name}`);

// CALLERS=name: who calls the functions of that name, three frames up, by self time.
if (process.env.CALLERS) {
  const pattern = new RegExp(process.env.CALLERS);
  const chains = new Map();
  let total = 0;
  for (const [id, time] of self) {
    if (!pattern.test(nodes.get(id).callFrame.functionName)) continue;
    total += time;
    const chain = [];
    for (let p = parent.get(id); p !== undefined && chain.length < Number(process.env.DEPTH ?? 4); p = parent.get(p)) {
      const cf = nodes.get(p).callFrame;
      chain.push(`${cf.functionName || "(anon)"}@${where(cf)}:${cf.lineNumber + 1}:${cf.columnNumber + 1}`);
    }
    const key = chain.join(" < ");
    chains.set(key, (chains.get(key) ?? 0) + time);
  }
  console.log(`\ncallers of /${process.env.CALLERS}/ (${pct(total)} self in all):`);
  for (const [k, t] of top(chains)) console.log(`${pct(t)}  ${k}`);
}
