// What the benchmarks share (`npm run bench`, bench/pg-latency.mjs): the processes they
// start on loopback and stop again, a fake Resend API, and seeding over HTTP. Everything
// listens on 127.0.0.1, ports 6200-6299.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");

/** What to undo at the end, last first (cleanupAll). */
export const cleanups = [];
export const log = (message) => console.error(`[bench] ${message}`);

export async function cleanupAll() {
  while (cleanups.length) await cleanups.pop()();
}

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

/** A free port in 6200-6299, the range this bench may use. */
export async function freePort() {
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
export async function startFakeResend() {
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

export async function startProcess(name, nodeArgs, env, healthPath, logFile) {
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

export const RUN_ID = randomBytes(4).toString("hex");
export const PASSWORD = `bench-${randomBytes(9).toString("base64url")}`;
export const user = (kind, n) => ({
  username: `bench_${kind}_${RUN_ID}_${n}`,
  email: `bench-${kind}-${RUN_ID}-${n}@example.com`,
  password: PASSWORD,
});

export async function inParallel(count, width, task) {
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
export async function postJson(url, body) {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const answer = { res, body: await res.json() };
    if (res.status !== 503 || attempt === 5) return answer;
    await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
  }
}

