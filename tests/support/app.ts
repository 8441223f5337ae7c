import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeResend, type FakeResend } from "./fake-resend";
import { RELAXED_LIMITS } from "./limits";
import { dropTestDatabase, openTestDatabase, testDatabaseUrl, type TestDatabase } from "./test-database";

// Starts the real, built app (`node server.js`, i.e. `npm start`) on a free loopback
// port with its own temporary database (a SQLite file, or a PostgreSQL database when the
// run is on PostgreSQL: tests/support/test-database.ts), and hands back its URL, its log and a handle
// on its database. Requires a build (`npm run build`); the integration global setup
// makes one when it is missing.
//
// It runs as every production run must (docs/security.md, deployment): with a signing
// key and a Resend key. Unless a test brings its own, the key is this file's and the
// Resend API is a fake on loopback that the test reads mail from (`app.mail`).

/** One Ed25519 key per test file, so that apps sharing a data directory agree. */
export const TEST_SIGNING_KEY = JSON.stringify({
  ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }),
  kid: "integration-test-key",
});

export const ROOT = path.resolve(import.meta.dirname, "../..");

export type RunningApp = {
  url: string;
  dataDir: string;
  /** The app's DATABASE_URL. */
  databaseUrl: string;
  /** Everything the server wrote to stdout and stderr so far. */
  logs(): string;
  /** The server process's id (to kill it without ceremony). */
  pid(): number;
  /** Resolves when the server process has exited, with its code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** A connection to the app's database, for arranging and inspecting state (either dialect). */
  db(): TestDatabase;
  /** The fake Resend this app sends through, when the test did not configure its own. */
  mail: FakeResend;
  stop(): Promise<void>;
};


export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Until the server answers /api/health/ with 200. Generous: only a busy machine (or `npm
 * run dev` compiling the route on first request) makes a healthy start take long; a server
 * that cannot start exits, which ends the wait at once with its log.
 */
async function waitForHealth(url: string, child: ChildProcess, logs: () => string, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${logs()}`);
    try {
      const res = await fetch(`${url}/api/health/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not answer ${url}/api/health/ with 200 within ${timeoutMs} ms (a machine this busy, or a hang):\n${logs()}`);
}

export async function startApp(
  options: {
    env?: Record<string, string>;
    relaxedLimits?: boolean;
    /** Reuse the data directory (database, dev signing key) of an earlier run; it is then kept on stop. */
    dataDir?: string;
    /** Start as `npm run dev` does (`server.js --dev`): no keys needed, the mailbox on. */
    dev?: boolean;
    /** Start with plain `next start` instead of server.js (a careless deployment). */
    nextStart?: boolean;
    /**
     * Known as http://localhost:PORT rather than 127.0.0.1 (it still listens on 127.0.0.1
     * only): WebAuthn refuses an IP address as a relying party.
     */
    localhost?: boolean;
  } = {},
  attempt = 1,
): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://${options.localhost ? "localhost" : "127.0.0.1"}:${port}`;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "gatehouse-it-"));
  const databaseUrl = options.env?.DATABASE_URL ?? (await testDatabaseUrl(dataDir));
  const ownResend = options.env?.RESEND_API_KEY === undefined && !options.dev ? await startFakeResend() : null;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? dataDir,
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
    HOST: "127.0.0.1",
    APP_URL: url,
    DATABASE_URL: databaseUrl,
    ...(options.dev ? {} : { AUTH_SIGNING_KEY: TEST_SIGNING_KEY }),
    ...(ownResend ? { RESEND_API_KEY: ownResend.apiKey, RESEND_BASE_URL: ownResend.url } : {}),
    ...(options.relaxedLimits === false ? {} : RELAXED_LIMITS),
    ...options.env,
  };
  let output = "";
  const args = options.nextStart
    ? ["node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", String(port)]
    : options.dev
      ? ["server.js", "--dev"]
      : ["server.js"];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: env as Record<string, string> as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const logs = () => output;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

  let handle: TestDatabase | undefined;
  const stop = async () => {
    await handle?.close();
    handle = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    if (!options.dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      if (!options.env?.DATABASE_URL) await dropTestDatabase(dataDir);
    }
    await ownResend?.stop();
  };

  try {
    await waitForHealth(`http://127.0.0.1:${port}`, child, logs);
  } catch (error) {
    await stop();
    // freePort() lets the port go before the server binds it, and on a shared machine
    // another process can take it in between (seen once in a full run): another port.
    if (logs().includes("EADDRINUSE") && attempt < 3) return startApp(options, attempt + 1);
    throw error;
  }
  return {
    url,
    dataDir,
    databaseUrl,
    logs,
    pid: () => child.pid!,
    exited,
    get mail(): FakeResend {
      if (!ownResend) throw new Error("this app sends through the test's own fake Resend");
      return ownResend;
    },
    db: () => (handle ??= openTestDatabase(databaseUrl)),
    stop,
  };
}

/**
 * For files whose tests each start the app they are about: `app()` starts one (with
 * `start`) that is stopped after the test, and `defer()` registers any other cleanup.
 * Call at top level.
 */
export function appsPerTest<O, A extends { stop(): Promise<void> }>(
  start: (options?: O) => Promise<A>,
): { app: (options?: O) => Promise<A>; defer: (cleanup: () => Promise<void> | void) => void } {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return {
    app: async (options) => {
      const started = await start(options);
      cleanups.push(() => started.stop());
      return started;
    },
    defer: (cleanup) => void cleanups.push(cleanup),
  };
}

/** appsPerTest with the built server. */
export const appPerTest = () => appsPerTest((options?: Parameters<typeof startApp>[0]) => startApp(options));

/** Run `node server.js` with an environment and collect what it prints until it exits. */
export async function runServerExpectingExit(
  env: Record<string, string>,
  options: { timeoutMs?: number; args?: string[] } = {},
): Promise<{ code: number | null; output: string }> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-it-"));
  const port = await freePort();
  const child = spawn(process.execPath, (options.args ?? ["server.js"]).map((a) => a.replace("{PORT}", String(port))), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NEXT_TELEMETRY_DISABLED: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: env.DATABASE_URL ?? (await testDatabaseUrl(dataDir)),
      ...env,
    } as Record<string, string> as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, timeoutMs);
    child.once("exit", (c: number | null) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  rmSync(dataDir, { recursive: true, force: true });
  if (!env.DATABASE_URL) await dropTestDatabase(dataDir);
  return { code, output };
}
