import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import * as documentRoute from "@/app/api/openapi.json/route";
import { API_ROUTES } from "@/app/api/openapi.json/routes";
import { flushRateLimits } from "@/lib/auth/rate-limit";
import { closeDb } from "@/lib/db";
import { CLIENT_IP_HEADER } from "@/lib/http/request";
import type { RouteModule } from "@/lib/openapi";
import { appsPerTest, TEST_SIGNING_KEY } from "./app";
import { IN_PROCESS_APPS } from "./client";
import { startFakeResend, type FakeResend } from "./fake-resend";
import { runAfterTasks } from "./handlers";
import { RELAXED_LIMITS } from "./limits";
import { dropTestDatabase, openTestDatabase, testDatabaseUrl, type TestDatabase } from "./test-database";
import { holdEnvironment, logLines, useEnv } from "./unit-setup";

// The app in this process, for tests that need no process boundary (tests/handlers/): the
// route handlers of app/api/**/route.ts behind the same face a started server has
// (tests/support/app.ts RunningApp: url, db(), mail, logs()), so that a test written
// against the built server runs here unchanged. An ApiClient on its URL calls the handler
// of the path in-process, as Next would after routing, and runs what the handler deferred
// with after() once the answer is in, as Next does once it is sent. The configuration is
// the app's own (useEnv), the database a copy of the migrated template, the mail a fake
// Resend on loopback through the real SDK. Not here: Next's routing (308s), proxy.ts and
// server.js's headers, pages, CORS preflights, restarts of a real process, several
// instances, raw sockets: tests/integration/.

const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

const ROUTES: Array<{ pattern: RegExp; names: string[]; module: RouteModule }> = Object.entries({
  ...API_ROUTES,
  "/api/openapi.json": documentRoute,
}).map(([template, module]) => {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const source = template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("([^/]+)");
  return { pattern: new RegExp(`^${source}$`), names, module };
});
// As Next routes: a literal segment wins over a parameter (revoke-others/ is not {id}/).
ROUTES.sort((a, b) => a.names.length - b.names.length);

/** The handler of a request, as Next would route it (the path as written: no trailing-slash redirect here). */
async function dispatch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  // What server.js stamps from the socket: the client is this process, on loopback.
  if (!headers.has(CLIENT_IP_HEADER)) headers.set(CLIENT_IP_HEADER, "127.0.0.1");
  const request = new NextRequest(url, { ...init, headers } as ConstructorParameters<typeof NextRequest>[1]);
  const method = request.method.toUpperCase() as (typeof HTTP_METHODS)[number];
  const { pathname } = request.nextUrl;
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const handler = route.module[method] as ((request: NextRequest, context: unknown) => Promise<Response> | Response) | undefined;
    if (!handler) throw new Error(`${method} ${pathname}: no handler in-process (HEAD and OPTIONS are Next's and proxy.ts's: tests/integration/)`);
    const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
    const response = await handler(request, { params: Promise.resolve(params) });
    // What the handler deferred (email delivery) runs once the answer is in, as Next runs it once it is sent.
    await runAfterTasks();
    return response;
  }
  throw new Error(`${pathname}: no API route in-process (pages, the trailing-slash 308 and proxy.ts are tests/integration/'s)`);
}

export type InProcessApp = {
  url: string;
  dataDir: string;
  databaseUrl: string;
  /** Everything the app logged since it started (lib/log's lines). */
  logs(): string;
  /** A connection to the app's database, for arranging and inspecting state (either dialect). */
  db(): TestDatabase;
  /** The fake Resend this app sends through, when the test did not configure its own. */
  mail: FakeResend;
  /**
   * The app as a process started again on the same data directory would be: the
   * configuration read afresh (with `env` on top), every singleton made anew, the database
   * kept. What a real restart does at startup (migrations, delivering queued mail) is not
   * run: tests/integration/crash-safety.test.ts covers that.
   */
  restart(env?: Record<string, string | undefined>): Promise<void>;
  stop(): Promise<void>;
};

let port = 3900;

export type InProcessOptions = { env?: Record<string, string>; relaxedLimits?: boolean };

/**
 * Start the app in this process, configured as tests/support/app.ts startApp starts the
 * built server (a signing key, a fake Resend, relaxed limits unless `relaxedLimits: false`).
 * Started in a beforeAll, it holds the environment for the file until it stops; inside a
 * test (`inTest`, inProcessAppPerTest), for that test.
 */
export async function startInProcessApp(options: InProcessOptions = {}, inTest = false): Promise<InProcessApp> {
  port += 1;
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-app-"));
  const databaseUrl = options.env?.DATABASE_URL ?? (await testDatabaseUrl(dataDir));
  const ownResend = options.env?.RESEND_API_KEY === undefined ? await startFakeResend() : null;
  const owner = {};
  if (!inTest) holdEnvironment(owner);
  const env: Record<string, string> = {
    NODE_ENV: "test",
    APP_URL: url,
    DATABASE_URL: databaseUrl,
    AUTH_SIGNING_KEY: TEST_SIGNING_KEY,
    ...(ownResend ? { RESEND_API_KEY: ownResend.apiKey, RESEND_BASE_URL: ownResend.url } : {}),
    ...(options.relaxedLimits === false ? {} : RELAXED_LIMITS),
    ...options.env,
  };
  await useEnv(env);
  IN_PROCESS_APPS.set(url, dispatch);
  const firstLine = logLines.length;
  let handle: TestDatabase | undefined;

  return {
    url,
    dataDir,
    databaseUrl,
    logs: () => logLines.slice(firstLine).join("\n"),
    db: () => (handle ??= openTestDatabase(databaseUrl)),
    get mail(): FakeResend {
      if (!ownResend) throw new Error("this app sends through the test's own fake Resend");
      return ownResend;
    },
    restart: (overrides = {}) => useEnv({ ...env, ...overrides }),
    async stop() {
      IN_PROCESS_APPS.delete(url);
      await handle?.close();
      await flushRateLimits();
      await closeDb();
      if (!inTest) holdEnvironment(null);
      rmSync(dataDir, { recursive: true, force: true });
      if (!options.env?.DATABASE_URL) await dropTestDatabase(dataDir);
      await ownResend?.stop();
    },
  };
}

/** tests/support/app.ts appPerTest, in-process: each test's app stopped after it. Call at top level. */
export const inProcessAppPerTest = () => appsPerTest((options?: InProcessOptions) => startInProcessApp(options, true));
