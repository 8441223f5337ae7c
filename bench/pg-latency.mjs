// `npm run bench:pg-latency`: two instances on one PostgreSQL database, with and without a
// network delay between them and the database (docs/benchmarks.md, "PostgreSQL through a
// delay"). A managed database is a millisecond or two away; with every write transaction
// holding one global lock across its round trips, that delay capped the whole cluster's
// write rate (issue 23). Measured side by side in alternating rounds: refresh rotations,
// logins and email verifications a second at N requests in flight, through the delay
// proxy at 0 ms and at --delay ms each way, and how many write transactions
// pg_stat_activity saw open at once.
//
//   npm run bench:pg-latency                      full run (about two minutes)
//   npm run bench:pg-latency -- --quick           a second per measurement, one round
//   npm run bench:pg-latency -- --delay=2 --inflight=32 --seconds=4 --rounds=3
//   npm run bench:pg-latency -- --only=refresh,verify,login
//   BENCH_POOL_SIZE=N                             each instance's DATABASE_POOL_SIZE (default: the app's, 10)
//   BENCH_POSTGRES_URL=postgres://user@host:port/db  an existing server (a fresh database is
//                                                 made on it); otherwise a throwaway cluster
//                                                 (scripts/pg-cluster.sh, needs Debian's postgresql)
//
// Everything runs on loopback. Exits non-zero if a request failed or a ratio missed 0.7.
import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startLatencyProxy } from "../tests/support/latency-proxy.mjs";
import { BENCH_LIMITS, PASSWORD, ROOT, RUN_ID, cleanupAll, cleanups, freePort, inParallel, log, postJson, startFakeResend, startProcess, user } from "./harness.mjs";

const args = process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const QUICK = args.includes("--quick");
const DELAY_MS = Number(option("delay") ?? 1);
const IN_FLIGHT = Number(option("inflight") ?? 32);
const SECONDS = Number(option("seconds") ?? (QUICK ? 1 : 4));
const ROUNDS = Number(option("rounds") ?? (QUICK ? 1 : 3));
const ONLY = option("only")?.split(",") ?? ["refresh", "verify", "login"];
const TARGET_RATIO = 0.7;

const sha256 = (value) => createHash("sha256").update(value).digest("hex");
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { cwd: ROOT, encoding: "utf8", ...options });
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(" ")} failed (${result.status}): ${result.stderr}`);
  return (result.stdout ?? "").trim();
}

/** A PostgreSQL server URL: the one given, or a throwaway cluster stopped at the end. */
async function postgresServer() {
  if (process.env.BENCH_POSTGRES_URL) return process.env.BENCH_POSTGRES_URL;
  const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-pgbench-"));
  const port = await freePort();
  const url = run("bash", [path.join(ROOT, "scripts", "pg-cluster.sh"), "start", dir, String(port)]);
  cleanups.push(() => run("bash", [path.join(ROOT, "scripts", "pg-cluster.sh"), "stop", dir]));
  return url;
}

/** A fresh database on `serverUrl`, dropped at the end. */
async function freshDatabase(serverUrl) {
  const name = `gatehouse_latency_${RUN_ID}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.end();
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url;
}

/**
 * How many write transactions are open at once: sampled from pg_stat_activity every
 * 20 ms (a transaction with an xid has written or locked something).
 */
function watchWriters(client) {
  let max = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and backend_xid is not null and pid <> pg_backend_pid()",
      );
      max = Math.max(max, rows[0].n);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return max;
  };
}

/** `IN_FLIGHT` workers, each sending `next(worker)` in a loop for SECONDS: completed answers a second. */
async function drive(next) {
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  const statuses = new Map();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, worker) => {
      while (performance.now() < deadline) {
        const status = await next(worker);
        if (status === null) return;
        if (status >= 200 && status < 300) ok++;
        else {
          failed++;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }
    }),
  );
  return { rps: ok / ((performance.now() - started) / 1000), ok, failed, statuses: Object.fromEntries(statuses) };
}

const cookieOf = (res) => res.headers.getSetCookie().find((c) => c.startsWith("refresh_token="))?.split(";")[0] ?? null;

async function main() {
  run(process.execPath, [path.join(ROOT, "scripts", "ensure-build.mjs")], { stdio: "inherit" });
  const serverUrl = await postgresServer();
  const databaseUrl = await freshDatabase(serverUrl);
  const proxy = await startLatencyProxy({ targetHost: databaseUrl.hostname, targetPort: Number(databaseUrl.port || 5432), delayMs: 0 });
  cleanups.push(() => proxy.stop());
  const throughProxy = new URL(databaseUrl);
  throughProxy.hostname = "127.0.0.1";
  throughProxy.port = String(proxy.port);

  const resend = await startFakeResend();
  const signingKey = JSON.stringify({ ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "pg-latency" });
  const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-pgbench-data-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const instance = (name) =>
    startProcess(
      name,
      ["server.js"],
      () => ({
        // Instances behind one balancer share its public address.
        APP_URL: "http://localhost:8080",
        DATABASE_URL: throughProxy.toString(),
        AUTH_SIGNING_KEY: signingKey,
        RESEND_API_KEY: resend.apiKey,
        RESEND_BASE_URL: resend.url,
        ...BENCH_LIMITS,
        // Throughput, not the answer to overload: logins wait their turn for a hash.
        PASSWORD_HASH_MAX_WAIT_MS: "10000",
        ...(process.env.BENCH_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE } : {}),
      }),
      "/api/health/",
      path.join(dataDir, `${name}.log`),
    );
  // One after the other: the first migrates the new database.
  const a = await instance("instance-a");
  const b = await instance("instance-b");
  const instances = [a.url, b.url];
  const at = (worker) => instances[worker % 2];

  // Seeding, direct (no delay): 2 x IN_FLIGHT accounts, each signed in once.
  log(`seeding ${IN_FLIGHT * 2} accounts`);
  const accounts = Array.from({ length: IN_FLIGHT * 2 }, (_, n) => user("lat", n));
  await inParallel(accounts.length, 8, async (i) => {
    const { res, body } = await postJson(`${at(i)}/api/auth/register/`, accounts[i]);
    if (res.status !== 201) throw new Error(`seeding: register answered ${res.status} ${JSON.stringify(body)}`);
  });
  const cookies = await inParallel(accounts.length, 8, async (i) => {
    const { res, body } = await postJson(`${at(i)}/api/auth/login/`, { email: accounts[i].email, password: PASSWORD });
    if (res.status !== 200) throw new Error(`seeding: login answered ${res.status} ${JSON.stringify(body)}`);
    return cookieOf(res);
  });
  const direct = new pg.Client({ connectionString: databaseUrl.toString() });
  await direct.connect();
  cleanups.push(() => direct.end());
  // Verification links, made as the app makes them (256 random bits, stored as SHA-256),
  // one per account: verifying spends every link of its account. The accounts for them are
  // written straight to the table (no password: nothing here signs in as them).
  const tokensNeeded = ONLY.includes("verify") ? Math.ceil(2 * ROUNDS * SECONDS * 1500) : 0;
  const verificationTokens = Array.from({ length: tokensNeeded }, () => randomBytes(32).toString("base64url"));
  if (tokensNeeded) {
    const now = Date.now();
    const { rows } = await direct.query(
      `insert into users (username, email, username_key, email_key, email_verified, created_at, updated_at)
       select 'verify_' || n, 'verify-' || n || '@example.com', 'verify_' || n, 'verify-' || n || '@example.com', false, $2, $2
       from generate_series(1, $1) as n returning id`,
      [tokensNeeded, now],
    );
    for (let i = 0; i < tokensNeeded; i += 5000) {
      const slice = verificationTokens.slice(i, i + 5000);
      await direct.query(
        `insert into email_verification_tokens (user_id, token_hash, created_at, expires_at)
         select u, h, $3, $4 from unnest($1::int[], $2::text[]) as t(u, h)`,
        [slice.map((_, j) => rows[i + j].id), slice.map(sha256), now, now + 86_400_000],
      );
    }
  }

  const chains = cookies.slice(0, IN_FLIGHT);
  const spare = cookies.slice(IN_FLIGHT);
  const scenarios = {
    // Each worker rotates its own session's refresh cookie, alternating instances.
    refresh: (worker) =>
      fetch(`${at(worker)}/api/auth/token/refresh/`, { method: "POST", headers: { cookie: chains[worker] } }).then(async (res) => {
        await res.arrayBuffer();
        const next = cookieOf(res);
        if (next) chains[worker] = next;
        else if (res.status !== 200) chains[worker] = spare.pop() ?? chains[worker];
        return res.status;
      }),
    verify: (worker) => {
      const token = verificationTokens.pop();
      if (!token) return Promise.resolve(null);
      return fetch(`${at(worker)}/api/auth/verify-email/?token=${token}`).then(async (res) => (await res.arrayBuffer(), res.status));
    },
    login: (worker) =>
      fetch(`${at(worker)}/api/auth/login/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: accounts[(worker * 7 + Math.floor(Math.random() * 1000)) % accounts.length].email, password: PASSWORD }),
      }).then(async (res) => (await res.arrayBuffer(), res.status)),
  };

  const sampler = new pg.Client({ connectionString: databaseUrl.toString() });
  await sampler.connect();
  cleanups.push(() => sampler.end());
  const results = Object.fromEntries(ONLY.map((name) => [name, { direct: [], delayed: [], writers: { direct: 0, delayed: 0 }, failed: 0, statuses: {} }]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating which goes first, so neither always meets a warmer (or hotter) machine.
    const modes = round % 2 === 0 ? ["direct", "delayed"] : ["delayed", "direct"];
    for (const mode of modes) {
      proxy.setDelay(mode === "direct" ? 0 : DELAY_MS);
      for (const name of ONLY) {
        const stopWatching = watchWriters(sampler);
        const measured = await drive(scenarios[name]);
        const writers = await stopWatching();
        const result = results[name];
        result[mode].push(measured.rps);
        result.writers[mode] = Math.max(result.writers[mode], writers);
        result.failed += measured.failed;
        for (const [status, n] of Object.entries(measured.statuses)) result.statuses[status] = (result.statuses[status] ?? 0) + n;
        log(`round ${round + 1} ${mode.padEnd(7)} ${name.padEnd(7)} ${measured.rps.toFixed(0)}/s, ${measured.failed} failed, at most ${writers} write transactions open at once`);
      }
    }
  }

  const lines = [
    `PostgreSQL through a delay: two instances, ${IN_FLIGHT} requests in flight, ${DELAY_MS} ms each way, ${ROUNDS} round(s) of ${SECONDS} s, medians`,
    "",
    "| Scenario | Direct (/s) | Through the delay (/s) | Ratio | Open write transactions at most (direct / delayed) | Failed |",
    "| --- | ---: | ---: | ---: | --- | ---: |",
  ];
  let ok = true;
  for (const name of ONLY) {
    const r = results[name];
    const ratio = median(r.delayed) / median(r.direct);
    if (!(ratio >= TARGET_RATIO) || r.failed > 0) ok = false;
    const failed = r.failed ? `${r.failed} ${JSON.stringify(r.statuses)}` : "0";
    lines.push(`| ${name} | ${median(r.direct).toFixed(0)} | ${median(r.delayed).toFixed(0)} | ${ratio.toFixed(2)} | ${r.writers.direct} / ${r.writers.delayed} | ${failed} |`);
  }
  lines.push("", ok ? `Every ratio at least ${TARGET_RATIO}, no request failed.` : `A ratio under ${TARGET_RATIO}, or a failed request.`);
  console.log(lines.join("\n"));
  if (!ok && !QUICK) process.exitCode = 1;
}

process.once("uncaughtException", async (error) => {
  console.error(error);
  await cleanupAll();
  process.exit(1);
});

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
