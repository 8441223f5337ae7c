import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { writeSync } from "node:fs";
import { singleton } from "./singleton";

// One line per event: `level message {"requestId":...,"field":...}`. Callers pass only
// what is safe to keep: never passwords, tokens, codes, keys or upstream bodies.
//
// Info lines are gathered and written once per turn of the event loop: a write to a pipe
// or file is synchronous in Node, and one per request cost the API about a tenth of its
// throughput (docs/benchmarks.md). Warnings and errors flush what is pending and go out at
// once, so nothing that explains a crash waits, and order is kept. Whatever is pending
// when the process exits is written on the way out.

type Fields = Record<string, unknown>;

const context = new AsyncLocalStorage<{ requestId: string; signal?: AbortSignal }>();

/** Run `run` as one request: its id for the log, its abort signal for work that can wait. */
export function withRequestContext<T>(requestId: string, run: () => T, signal?: AbortSignal): T {
  return context.run({ requestId, signal }, run);
}

export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

/** Aborts when the current request's client goes away (password hashing leaves its line). */
export function currentRequestSignal(): AbortSignal | undefined {
  return context.getStore()?.signal;
}

/** Drizzle's DrizzleQueryError, by shape: the class may come from another bundle's copy. */
function isQueryError(error: unknown): error is Error & { query: string; params: unknown[] } {
  return error instanceof Error && typeof (error as { query?: unknown }).query === "string" && Array.isArray((error as { params?: unknown }).params);
}

function describeError(error: unknown): Fields {
  // Drizzle wraps a failed statement in an error whose message lists the statement's
  // parameters (addresses, password and token hashes): keep the SQL and the driver's own
  // error, never the values.
  if (isQueryError(error)) return { ...describeError(error.cause), query: error.query };
  if (error instanceof Error) {
    return { error: error.name, message: error.message, stack: error.stack?.split("\n").slice(1, 6).join(" | ") };
  }
  return { error: String(error) };
}

function write(level: "info" | "warn" | "error", message: string, fields: Fields = {}): void {
  const { error, ...rest } = fields;
  const record = {
    time: new Date().toISOString(),
    requestId: currentRequestId(),
    ...rest,
    ...(error === undefined ? {} : describeError(error)),
  };
  const line = `${level.toUpperCase()} ${message} ${JSON.stringify(record)}`;
  if (level === "info") {
    pending.push(line);
    if (pending.length === 1) setImmediate(flushInfo);
    return;
  }
  flushInfo();
  if (level === "error") console.error(line);
  else console.warn(line);
}

// One buffer per process, though Next bundles this module into each route.
const pending = singleton("log-buffer", () => {
  const lines: string[] = [];
  // process.exit() skips the next turn; write synchronously on the way out instead.
  process.once("exit", () => {
    if (lines.length) writeSync(process.stdout.fd, lines.join("\n") + "\n");
  });
  return lines;
});

function flushInfo(): void {
  if (pending.length === 0) return;
  const text = pending.join("\n") + "\n";
  pending.length = 0;
  process.stdout.write(text);
}

// One per process, like the buffer above.
const bursts = singleton("log-bursts", () => new Map<string, { until: number; repeats: number }>());

/**
 * A warning that arrives in floods (503s under a login flood): the first of each second
 * is written at once, the rest of that second are counted into one line after it, so a
 * flood of requests does not become a flood of alerts.
 */
function warnBurst(message: string, fields: Fields = {}): void {
  const now = Date.now();
  const burst = bursts.get(message);
  if (burst && now < burst.until) {
    burst.repeats += 1;
    return;
  }
  const state = { until: now + 1000, repeats: 0 };
  bursts.set(message, state);
  write("warn", message, fields);
  setTimeout(() => {
    if (state.repeats > 0) write("warn", message, { repeats: state.repeats, withinMs: 1000 });
  }, 1000).unref();
}

export const log = {
  warnBurst,
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};
