// `npm run bench`: Gatehouse's throughput and latency beside the framework's ceiling and
// the argon2 ceiling, measured side by side in one run (docs/benchmarks.md).
//
//   npm run bench                    full run (a few minutes), prints the table and budgets
//   npm run bench -- --quick         seconds per scenario, asserts only that all ran cleanly
//   npm run bench -- --build         rebuild the app first (otherwise only when .next is missing)
//   npm run bench -- --profile       the server runs under `node --cpu-prof` (see --only)
//   npm run bench -- --only=me,health  only these scenarios (their partners are skipped too)
//   npm run bench -- --json=FILE     also write the results as JSON
//   npm run bench -- --seconds=N --rounds=N   override the mode's duration and rounds
//   npm run bench -- --rate=N        each scenario at N requests a second (CPU per request, profiles)
//   node bench/run.mjs --build-ceiling  only build the ceiling app if stale, then exit
//                                    (`npm test` does this beside the app's build)
//
//   BENCH_DATABASE_URL=postgres://… npm run bench   the same on an empty PostgreSQL database
//
// Everything runs on loopback (ports 6200-6299), on a fresh temporary database, with the
// RATE_LIMIT_* variables raised (BENCH_LIMITS below): every limiter still counts each
// request, it just never refuses one.
import autocannon from "autocannon";
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const CEILING_DIR = path.join(ROOT, "bench", "ceiling");
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];

const QUICK = flag("quick");
// The app's own default (lib/env.ts): one hash per core, at most 4.
const HASH_CONCURRENCY = Number(process.env.PASSWORD_HASH_CONCURRENCY || Math.min(4, availableParallelism()));
const CONFIG = QUICK
  ? { seconds: 1, warmupSeconds: 0, rounds: 1, users: 12, connections: 4, loginConnections: 8, probeRate: 20 }
  : { seconds: 4, warmupSeconds: 2, rounds: 5, users: 200, connections: 10, loginConnections: 16, probeRate: 50 };
// --seconds=N and --rounds=N override either mode's, for a profile of one scenario.
if (option("seconds")) CONFIG.seconds = Number(option("seconds"));
if (option("rounds")) CONFIG.rounds = Number(option("rounds"));
// --rate=N: every scenario at N requests a second instead of as fast as it goes, so that a
// profile or the CPU per request is measured with cores to spare (no budget is judged so).
const RATE = option("rate") ? Number(option("rate")) : undefined;

/** Abuse limits raised out of the way: the limiters still run and write, they never refuse. */
export const BENCH_LIMITS = {
  RATE_LIMIT_LOGIN_PER_IP: "100000000",
  RATE_LIMIT_LOGIN_FAILURES: "100000000",
  RATE_LIMIT_REGISTER_PER_IP: "100000000",
  RATE_LIMIT_EMAIL_PER_IP: "100000000",
  RATE_LIMIT_EMAIL_PER_ADDRESS: "100000000",
  RATE_LIMIT_REFRESH_PER_IP: "100000000",
  RATE_LIMIT_API_PER_IP: "100000000",
  RATE_LIMIT_OIDC_PER_IP: "100000000",
  RATE_LIMIT_OIDC_PER_CLIENT: "100000000",
};

// The OpenID Connect provider's scenarios (docs/oidc.md): one first-party client that gets
// refresh tokens (skip_consent), signed in once per seeded session.
const OIDC_CLIENT = { client_id: "bench", client_secret: randomBytes(24).toString("hex"), redirect_uris: ["http://127.0.0.1:1/cb"], skip_consent: true };

const ONLY = option("only")?.split(",");
const wanted = (...names) => !ONLY || names.some((n) => ONLY.includes(n));

const cleanups = [];
const log = (message) => console.error(`[bench] ${message}`);

// ---- builds ----------------------------------------------------------------------------

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], ...options });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(" ")} failed (${result.status})`);
}

function ensureAppBuild() {
  const ensure = path.join(ROOT, "scripts", "ensure-build.mjs");
  if (!flag("build") && existsSync(ensure)) return run(process.execPath, [ensure]);
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  if (flag("build") || !existsSync(buildId) || statSync(buildId).size === 0) {
    log("building the app (npm run build)");
    run("npm", ["run", "build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  }
}

/** The ceiling app is rebuilt when missing, when Next changed, or when its sources did. */
function ensureCeilingBuild() {
  const nextVersion = JSON.parse(readFileSync(path.join(ROOT, "node_modules/next/package.json"), "utf8")).version;
  const marker = path.join(CEILING_DIR, ".next", "bench-built-with");
  const sources = ["next.config.mjs", "app/api/bare/route.js"].map((f) => statSync(path.join(CEILING_DIR, f)).mtimeMs);
  const fresh =
    existsSync(marker) && readFileSync(marker, "utf8") === nextVersion && statSync(marker).mtimeMs > Math.max(...sources);
  if (fresh) return;
  log(`building the ceiling app (bench/ceiling, next ${nextVersion})`);
  run(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build", CEILING_DIR], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  writeFileSync(marker, nextVersion);
}

// ---- processes -------------------------------------------------------------------------

/** A free port in 6200-6299, the range this bench may use. */
async function freePort() {
  for (let i = 0; i < 100; i++) {
    const port = 6200 + Math.floor(Math.random() * 100);
    const ok = await new Promise((resolve) => {
      const server = createNetServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error("no free port in 6200-6299");
}

/** Resend's API on loopback: checks the key, accepts every send, counts them. */
async function startFakeResend() {
  const apiKey = `re_bench_${randomBytes(8).toString("hex")}`;
  const port = await freePort();
  const stats = { sent: 0, refused: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const ok = req.method === "POST" && req.url === "/emails" && req.headers.authorization === `Bearer ${apiKey}`;
      ok ? stats.sent++ : stats.refused++;
      res.writeHead(ok ? 200 : 401, { "Content-Type": "application/json" });
      res.end(JSON.stringify(ok ? { id: `bench-${stats.sent}` } : { statusCode: 401, name: "invalid_api_key" }));
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${port}`, apiKey, stats };
}

async function startProcess(name, nodeArgs, env, healthPath, logFile) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The app logs a line per request. To a file, as a deployment would: through a pipe to
  // this busy process, the server's synchronous writes would wait for the bench to read.
  const fd = openSync(logFile, "w");
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), NEXT_TELEMETRY_DISABLED: "1", PORT: String(port), HOST: "127.0.0.1", ...env(url) },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const output = () => {
    const text = readFileSync(logFile, "utf8");
    return text.slice(-4000);
  };
  let stopping = false;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  exited.then(() => {
    if (!stopping) {
      log(`${name} exited unexpectedly (${child.exitCode ?? child.signalCode}); its last output:\n${output()}`);
      process.exitCode = 1;
    }
  });
  cleanups.push(async () => {
    stopping = true;
    if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode}:\n${output()}`);
    try {
      if ((await fetch(url + healthPath)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${healthPath} in 60 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid, output, exited };
}

// ---- seeding ---------------------------------------------------------------------------

const RUN_ID = randomBytes(4).toString("hex");
const PASSWORD = `bench-${randomBytes(9).toString("base64url")}`;
const user = (kind, n) => ({
  username: `bench_${kind}_${RUN_ID}_${n}`,
  email: `bench-${kind}-${RUN_ID}-${n}@example.com`,
  password: PASSWORD,
});

async function inParallel(count, width, task) {
  let next = 0;
  const results = new Array(count);
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/**
 * POST a JSON body. A 503 (the hashing line full, or its wait over: on a busy machine
 * seeding's bursts can outrun it) is tried again after its Retry-After, a few times.
 */
async function postJson(url, body) {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const answer = { res, body: await res.json() };
    if (res.status !== 503 || attempt === 5) return answer;
    await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
  }
}

/** Register `users` accounts and log each in once: access tokens and unused refresh cookies. */
async function seed(app) {
  const accounts = Array.from({ length: CONFIG.users }, (_, n) => user("seed", n));
  await inParallel(accounts.length, 8, async (i) => {
    const { res, body } = await postJson(`${app.url}/api/auth/register/`, accounts[i]);
    if (res.status !== 201) throw new Error(`seeding: register answered ${res.status} ${JSON.stringify(body)}`);
  });
  const sessions = await inParallel(accounts.length, 8, async (i) => {
    const { res, body } = await postJson(`${app.url}/api/auth/login/`, { email: accounts[i].email, password: PASSWORD });
    if (res.status !== 200) throw new Error(`seeding: login answered ${res.status} ${JSON.stringify(body)}`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("refresh_token="));
    return { access: body.access, cookie: cookie.split(";")[0] };
  });
  // Each session signs in to the bench client once (authorization code + PKCE, by hand:
  // the browser's redirects followed with its cookie), for a refresh token and an access token.
  const oidc = await inParallel(sessions.length, 4, (i) => oidcSignIn(app.url, sessions[i].cookie));
  return { accounts, sessions, oidc };
}

async function oidcSignIn(base, cookie) {
  const verifier = randomBytes(32).toString("base64url");
  const { createHash } = await import("node:crypto");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const params = new URLSearchParams({
    client_id: OIDC_CLIENT.client_id,
    response_type: "code",
    redirect_uri: OIDC_CLIENT.redirect_uris[0],
    scope: "openid profile email offline_access",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: randomBytes(8).toString("hex"),
  });
  const jar = new Map([cookie.split("=")].map(([k, ...v]) => [k, v.join("=")]));
  let url = new URL(`/api/auth/oidc/authorize?${params}`, base);
  for (let hop = 0; hop < 10 && url.origin === new URL(base).origin; hop++) {
    const res = await fetch(url, { redirect: "manual", headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    if (!res.headers.get("location")) throw new Error(`seeding OIDC: ${url.pathname} answered ${res.status}`);
    url = new URL(res.headers.get("location"), url);
  }
  const code = url.searchParams.get("code");
  if (!code) throw new Error(`seeding OIDC: no code (${url.search})`);
  const res = await fetch(`${base}/api/auth/oidc/token`, {
    method: "POST",
    headers: { authorization: oidcBasic(), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: OIDC_CLIENT.redirect_uris[0], code_verifier: verifier }),
  });
  const body = await res.json();
  if (res.status !== 200 || !body.refresh_token) throw new Error(`seeding OIDC: token answered ${res.status} ${body.error ?? ""}`);
  return { access: body.access_token, refresh: body.refresh_token };
}

const oidcBasic = () => `Basic ${Buffer.from(`${OIDC_CLIENT.client_id}:${OIDC_CLIENT.client_secret}`).toString("base64")}`;

// ---- measuring -------------------------------------------------------------------------

const headerOf = (headers, name) => {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
};

/** One autocannon run: requests per second (every answer), p50/p99 in ms, and failures. */
let durationOverride;
async function measure(url, options) {
  const duration = durationOverride ?? CONFIG.seconds;
  const result = await autocannon({ url, pipelining: 1, timeout: 10, duration, ...(RATE ? { overallRate: RATE } : {}), ...options });
  const answered = result["1xx"] + result["2xx"] + result["3xx"] + result["4xx"] + result["5xx"];
  return {
    rps: answered / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: answered,
    failed: result.errors + result.timeouts + result.non2xx,
    statuses: { "2xx": result["2xx"], "4xx": result["4xx"], "5xx": result["5xx"], errors: result.errors, timeouts: result.timeouts },
  };
}

/**
 * The /me probe's connections: enough that a slow answer does not hold its rate down (with
 * 2, a baseline run's probe managed 20 of its 50 a second under the flood, and a probe
 * that sends less measures less of the wait).
 */
const PROBE_CONNECTIONS = 8;

function scenarios({ app, ceiling, seeded }) {
  const json = { "Content-Type": "application/json" };
  let meIndex = 0;
  const meRequest = {
    method: "GET",
    path: "/api/auth/me/",
    setupRequest: (req) => ({
      ...req,
      headers: { Authorization: `Bearer ${seeded.sessions[meIndex++ % seeded.sessions.length].access}` },
    }),
  };
  let loginIndex = 0;
  const loginRequest = {
    method: "POST",
    path: "/api/auth/login/",
    setupRequest: (req) => ({
      ...req,
      headers: json,
      body: JSON.stringify({ email: seeded.accounts[loginIndex++ % seeded.accounts.length].email, password: PASSWORD }),
    }),
  };
  // Each request presents a refresh cookie never used before: the cookies a rotation has
  // just set go first, then the seeded sessions' unused ones. Each cookie is taken from the
  // pool once. (autocannon clears a connection's context after every request, so the pool
  // is shared by all connections.)
  const unusedCookies = seeded.sessions.map((s) => s.cookie);
  const refreshRequest = {
    method: "POST",
    path: "/api/auth/token/refresh/",
    setupRequest: (req) => {
      // Out of cookies (many failed rotations), the request goes without one: a 400, counted as failed.
      const cookie = unusedCookies.pop();
      return { ...req, headers: cookie ? { Cookie: cookie } : {} };
    },
    onResponse: (status, _body, _context, headers) => {
      const set = [headerOf(headers, "set-cookie")].flat().find((c) => c?.startsWith("refresh_token="));
      if (status === 200 && set) unusedCookies.push(set.split(";")[0]);
    },
  };
  // The provider's token endpoint: each request spends a refresh token never used before
  // and puts its successor back, like the cookie pool above.
  const unusedOidcRefresh = seeded.oidc.map((t) => t.refresh);
  const oidcRefreshRequest = {
    method: "POST",
    path: "/api/auth/oidc/token",
    setupRequest: (req) => ({
      ...req,
      headers: { Authorization: oidcBasic(), "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=refresh_token&refresh_token=${unusedOidcRefresh.pop() ?? "none"}`,
    }),
    onResponse: (status, body) => {
      if (status === 200) unusedOidcRefresh.unshift(JSON.parse(body).refresh_token);
    },
  };
  let userinfoIndex = 0;
  const userinfoRequest = {
    method: "GET",
    path: "/api/auth/oidc/userinfo",
    setupRequest: (req) => ({ ...req, headers: { Authorization: `Bearer ${seeded.oidc[userinfoIndex++ % seeded.oidc.length].access}` } }),
  };
  let registered = 0;
  const registerRequest = {
    method: "POST",
    path: "/api/auth/register/",
    setupRequest: (req) => ({ ...req, headers: json, body: JSON.stringify(user("reg", registered++)) }),
  };
  const c = CONFIG.connections;
  return {
    bare: () => measure(ceiling.url, { connections: c, requests: [{ method: "GET", path: "/api/bare/" }] }),
    health: () => measure(app.url, { connections: c, requests: [{ method: "GET", path: "/api/health/" }] }),
    me: () => measure(app.url, { connections: c, requests: [meRequest] }),
    refresh: () => measure(app.url, { connections: c, requests: [refreshRequest] }),
    oidcRefresh: () => measure(app.url, { connections: c, requests: [oidcRefreshRequest] }),
    userinfo: () => measure(app.url, { connections: c, requests: [userinfoRequest] }),
    login: () => measure(app.url, { connections: CONFIG.loginConnections, requests: [loginRequest] }),
    register: () => measure(app.url, { connections: CONFIG.loginConnections, requests: [registerRequest] }),
    argon2: () => argon2Ceiling(),
    // /me at a fixed, modest rate: alone, then beside a login flood.
    meIdle: () => measure(app.url, { connections: PROBE_CONNECTIONS, overallRate: CONFIG.probeRate, requests: [meRequest] }),
    meFlood: async () => {
      const memory = watchMemory(app.pid);
      const [probe, flood] = await Promise.all([
        measure(app.url, { connections: PROBE_CONNECTIONS, overallRate: CONFIG.probeRate, requests: [meRequest] }),
        measure(app.url, { connections: CONFIG.loginConnections, requests: [loginRequest] }),
      ]);
      return { ...probe, flood, peakRssMiB: memory.stop() };
    },
  };
}

/** Verifications per second at the app's argon2 parameters, in a process of its own. */
function argon2Ceiling() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bench", "argon2-ceiling.mjs"), String(HASH_CONCURRENCY), String(CONFIG.seconds)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`argon2 ceiling exited with ${code}`));
      const r = JSON.parse(out);
      resolve({ rps: r.perSecond, requests: r.verifications, failed: 0, p50: null, p99: null });
    });
  });
}

/** CPU time (user + system) of a process's main thread, the one that runs JavaScript, in ms. */
function mainThreadCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const rssMiB = (pid, field) => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
};

/** The server's largest resident set while it runs: VmRSS sampled every 50 ms. */
function watchMemory(pid) {
  let peak = rssMiB(pid, "VmRSS");
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid, "VmRSS"))), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssMiB(pid, "VmRSS"));
    },
  };
}

// ---- the run ---------------------------------------------------------------------------

/** Groups measured side by side: each round runs every member once, in turn. */
const GROUPS = [
  ["bare", "health", "me", "refresh", "userinfo", "oidcRefresh"],
  ["argon2", "login", "register"],
  ["meIdle", "meFlood"],
];

const median = (values) => {
  const sorted = values.filter((v) => v !== null && !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null;
};
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

async function main() {
  if (flag("build-ceiling")) return ensureCeilingBuild();
  ensureAppBuild();
  ensureCeilingBuild();

  const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-bench-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const resend = await startFakeResend();
  const profileDir = path.join(ROOT, "bench", "profiles");
  if (flag("profile")) mkdirSync(profileDir, { recursive: true });
  const signingKey = JSON.stringify({ ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "bench" });

  const app = await startProcess(
    "gatehouse",
    [...(flag("profile") ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), "server.js"],
    (url) => ({
      APP_URL: url,
      // BENCH_DATABASE_URL: an empty PostgreSQL database to run on instead (docs/benchmarks.md).
      DATABASE_URL: process.env.BENCH_DATABASE_URL || `file:${path.join(dataDir, "g.db")}`,
      AUTH_SIGNING_KEY: signingKey,
      OIDC_CLIENTS: JSON.stringify([OIDC_CLIENT]),
      OIDC_SIGNING_KEY: JSON.stringify(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" })),
      RESEND_API_KEY: resend.apiKey,
      RESEND_BASE_URL: resend.url,
      PASSWORD_HASH_CONCURRENCY: String(HASH_CONCURRENCY),
      // Allocator, V8 and hashing-line settings pass through, to try them (docs/benchmarks.md).
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => /^(MALLOC_|MIMALLOC_|NODE_OPTIONS$|UV_THREADPOOL_SIZE$|PASSWORD_HASH_(QUEUE|MAX_WAIT_MS)$)/.test(name))),
      ...BENCH_LIMITS,
    }),
    "/api/health/",
    path.join(dataDir, "gatehouse.log"),
  );
  const ceiling = await startProcess("ceiling", [path.join(CEILING_DIR, "server.mjs")], () => ({}), "/api/bare/", path.join(dataDir, "ceiling.log"));
  log(`gatehouse ${app.url} (pid ${app.pid}), ceiling ${ceiling.url}; seeding ${CONFIG.users} users`);
  const seeded = await seed(app);
  const run = scenarios({ app, ceiling, seeded });

  const results = {};
  for (const group of GROUPS) {
    const members = group.filter((name) => wanted(name));
    if (!members.length) continue;
    // A short unmeasured run of each first, so that no round pays for loading and JIT.
    for (const name of members.filter((n) => CONFIG.warmupSeconds && n !== "argon2" && n !== "meFlood")) {
      durationOverride = CONFIG.warmupSeconds;
      await run[name]();
      durationOverride = undefined;
    }
    for (let round = 0; round < CONFIG.rounds; round++) {
      for (const name of members) {
        const server = name === "bare" ? ceiling : app;
        const cpuBefore = name === "argon2" ? null : mainThreadCpuMs(server.pid);
        const result = await run[name]();
        if (cpuBefore !== null) result.cpuMsPerRequest = (mainThreadCpuMs(server.pid) - cpuBefore) / Math.max(1, result.requests + (result.flood?.requests ?? 0));
        (results[name] ??= []).push(result);
        log(
          `round ${round + 1} ${name}: ${result.rps.toFixed(1)}/s p50 ${result.p50 ?? "-"} p99 ${result.p99 ?? "-"} failed ${result.failed}` +
            `; gatehouse VmRSS ${rssMiB(app.pid, "VmRSS").toFixed(0)} MiB`,
        );
      }
    }
  }

  const summary = Object.fromEntries(
    Object.entries(results).map(([name, rounds]) => [
      name,
      {
        rps: mean(rounds.map((r) => r.rps)),
        p50: median(rounds.map((r) => r.p50)),
        p99: median(rounds.map((r) => r.p99)),
        requests: rounds.reduce((a, r) => a + r.requests, 0),
        failed: rounds.reduce((a, r) => a + r.failed + (r.flood?.failed ?? 0), 0),
        rounds: rounds.map((r) => Math.round(r.rps)),
        cpuMsPerRequest: rounds[0].cpuMsPerRequest === undefined ? null : mean(rounds.map((r) => r.cpuMsPerRequest)),
        ...(rounds[0].flood ? { floodRps: mean(rounds.map((r) => r.flood.rps)), peakRssMiB: Math.max(...rounds.map((r) => r.peakRssMiB)) } : {}),
      },
    ]),
  );
  const verdicts = budgets(summary, results);
  print(summary, verdicts, { resendSent: resend.stats.sent, vmHwmMiB: rssMiB(app.pid, "VmHWM") });

  const file = option("json");
  if (file) writeFileSync(file, JSON.stringify({ config: CONFIG, hashConcurrency: HASH_CONCURRENCY, summary, verdicts, rounds: results }, null, 2));

  const broken = Object.entries(summary).filter(([, s]) => s.failed > 0 || s.requests === 0);
  if (resend.stats.refused) broken.push(["fake resend refused sends", resend.stats]);
  await cleanupAll();
  if (flag("profile")) {
    await app.exited;
    log(`CPU profile(s) in ${profileDir}: ${readdirSync(profileDir).join(", ")} (node bench/profile-summary.mjs FILE)`);
  }
  if (broken.length) {
    console.error(`[bench] scenarios with failed requests or none at all: ${broken.map(([n]) => n).join(", ")}`);
    process.exitCode = 1;
  }
}

/**
 * Each budget is judged on the median of its per-round ratios: the two sides of a ratio
 * ran back to back in the same round, so a burst of other work on this shared machine
 * spoils one round's pair instead of one side of the whole run. The ratio of the means
 * is shown beside it.
 */
export function budgets(s, rounds) {
  const out = [];
  const pct = (v) => `${(v * 100).toFixed(0)}%`;
  const ratio = (name, a, b, min) => {
    if (!s[a] || !s[b]) return;
    const value = median(rounds[a].map((r, i) => r.rps / rounds[b][i].rps));
    out.push({ name, value, measured: `${pct(value)} (means: ${pct(s[a].rps / s[b].rps)})`, budget: `≥ ${min * 100}%`, met: value >= min });
  };
  ratio("/api/health/ vs bare route", "health", "bare", 0.8);
  ratio("/me vs bare route", "me", "bare", 0.7);
  ratio("refresh vs bare route", "refresh", "bare", 0.4);
  ratio("login vs argon2 ceiling", "login", "argon2", 0.8);
  ratio("register vs login", "register", "login", 0.8);
  if (s.meIdle && s.meFlood) {
    const value = median(rounds.meFlood.map((r, i) => r.p99 / rounds.meIdle[i].p99));
    out.push({
      name: "/me p99 under login flood vs idle, no failures",
      value,
      measured: `${value.toFixed(1)}× (medians: ${(s.meFlood.p99 / s.meIdle.p99).toFixed(1)}×; ${s.meFlood.failed} failed)`,
      budget: "≤ 5×, 0 failed",
      met: value <= 5 && s.meFlood.failed === 0,
    });
    const limit = HASH_CONCURRENCY * 20 + 250;
    out.push({ name: "peak RSS under login flood", value: s.meFlood.peakRssMiB, measured: `${s.meFlood.peakRssMiB.toFixed(0)} MiB`, budget: `≤ ${limit} MiB`, met: s.meFlood.peakRssMiB <= limit });
  }
  return out;
}

const LABELS = {
  bare: "bare Next route (ceiling app)",
  health: "GET /api/health/",
  me: "GET /api/auth/me/",
  refresh: "POST /api/auth/token/refresh/ (unused cookie each)",
  userinfo: "GET /api/auth/oidc/userinfo (OpenID Connect, Bearer)",
  oidcRefresh: "POST /api/auth/oidc/token, refresh_token grant (unused token each)",
  argon2: `argon2 verify ceiling (${HASH_CONCURRENCY} in flight, no HTTP)`,
  login: "POST /api/auth/login/",
  register: "POST /api/auth/register/",
  meIdle: `GET /api/auth/me/ at ${CONFIG.probeRate}/s (${PROBE_CONNECTIONS} connections), idle`,
  meFlood: `GET /api/auth/me/ at ${CONFIG.probeRate}/s (${PROBE_CONNECTIONS} connections), login flood`,
};

function print(summary, verdicts, extra) {
  const fmt = (v, digits = 0) => (v === null || v === undefined ? "–" : v.toFixed(digits));
  const lines = [
    `Gatehouse bench ${QUICK ? "(quick) " : ""}${new Date().toISOString().slice(0, 10)}: ${availableParallelism()} cores, Node ${process.version}, ` +
      `${CONFIG.rounds} round(s) × ${CONFIG.seconds} s, ${CONFIG.connections} connections (login/register ${CONFIG.loginConnections}), ` +
      `PASSWORD_HASH_CONCURRENCY=${HASH_CONCURRENCY}, RATE_LIMIT_* raised (BENCH_LIMITS)`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | requests | failed | main-thread CPU ms/req | req/s per round |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...Object.entries(summary).map(
      ([name, s]) =>
        `| ${LABELS[name]} | ${fmt(s.rps, 1)} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${s.requests} | ${s.failed} | ${fmt(s.cpuMsPerRequest, 2)} | ${s.rounds.join(", ")} |`,
    ),
  ];
  if (summary.meFlood) lines.push("", `Login flood beside the probe: ${summary.meFlood.floodRps.toFixed(1)} logins/s; server peak VmRSS ${summary.meFlood.peakRssMiB.toFixed(0)} MiB (VmHWM at the end ${extra.vmHwmMiB.toFixed(0)} MiB).`);
  lines.push(`Emails accepted by the fake Resend: ${extra.resendSent}.`);
  if (verdicts.length) {
    lines.push("", "| budget | measured (median of rounds) | budget | verdict |", "| --- | ---: | ---: | --- |");
    for (const v of verdicts) lines.push(`| ${v.name} | ${v.measured} | ${v.budget} | ${v.met ? "met" : "MISSED"} |`);
  }
  console.log(lines.join("\n"));
}

async function cleanupAll() {
  while (cleanups.length) await cleanups.pop()();
}

// A throw inside autocannon's callbacks must not leave the servers running.
process.once("uncaughtException", async (error) => {
  console.error(error);
  await cleanupAll();
  process.exit(1);
});

try {
  await main();
} catch (error) {
  console.error(error);
  await cleanupAll();
  process.exitCode = 1;
}
