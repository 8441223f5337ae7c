import { NextRequest } from "next/server";
import { CLIENT_IP_HEADER } from "@/lib/http/request";

// Calling an exported route handler (app/**/route.ts) in-process, as Next would after
// routing: a NextRequest in, a Response out. No build, no server, no socket. What needs
// a server (Next's routing and redirects, proxy.ts's headers, cookies across requests
// in a real client, several processes) stays in tests/integration/.

const ORIGIN = "http://127.0.0.1:3999"; // APP_URL in tests/support/unit-setup.ts

/** Tasks handed to next/server's after() (see handler-setup.ts), oldest first. */
export const afterTasks: Array<Promise<unknown> | (() => unknown)> = [];

/** Run what the handlers deferred with after(), as Next does once the response is sent. */
export async function runAfterTasks(): Promise<void> {
  while (afterTasks.length) {
    const task = afterTasks.shift()!;
    await (typeof task === "function" ? task() : task);
  }
}

type RequestOptions = {
  method?: string;
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Sent as is (set the content type yourself). */
  body?: BodyInit;
  headers?: Record<string, string>;
};

/** A request to `path` on the app, from 127.0.0.1 as server.js stamps it. */
export function apiRequest(path: string, options: RequestOptions = {}): NextRequest {
  const headers = new Headers({ [CLIENT_IP_HEADER]: "127.0.0.1", ...options.headers });
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const init = { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body };
  // A stream body needs duplex: "half" (undici), which RequestInit's type does not list.
  if (body instanceof ReadableStream) Object.assign(init, { duplex: "half" });
  return new NextRequest(new URL(path, ORIGIN), init);
}

export type Answer<T = any> = { status: number; headers: Headers; body: T; response: Response };

/** Call a handler and read its answer (JSON when it parses, else text). */
export async function call<C = undefined>(
  handler: (request: NextRequest, context: C) => Promise<Response> | Response,
  request: NextRequest,
  context?: C,
): Promise<Answer> {
  const response = await handler(request, context as C);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body, response };
}

/** Route context for dynamic segments, as Next passes it. */
export const params = <P extends Record<string, string>>(values: P) => ({ params: Promise.resolve(values) });
