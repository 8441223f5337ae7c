import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";

// One line per event: `level message {"requestId":...,"field":...}`. Callers pass only
// what is safe to keep: never passwords, tokens, codes, keys or upstream bodies.

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

function describeError(error: unknown): Fields {
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
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};
