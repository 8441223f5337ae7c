import { afterEach, vi } from "vitest";
import { afterTasks } from "./handlers";

// Route handlers called outside Next (tests/handlers/). Everything they use from
// `next/server` works there (NextRequest, NextResponse, cookies on both) except after():
// it needs the request store Next sets up around a handler and throws "`after` was
// called outside a request scope". Here after() only queues its task; a test runs the
// queue with runAfterTasks() when it cares about what happens after the response.
vi.mock("next/server", async (importOriginal) => {
  const actual = await importOriginal<typeof import("next/server")>();
  return {
    ...actual,
    after: (task: Promise<unknown> | (() => unknown)) => {
      afterTasks.push(task);
    },
  };
});

afterEach(() => {
  // A task left queued belongs to this test's database, which is gone now.
  afterTasks.length = 0;
});

// Requests in-process carry the client address server.js would stamp (tests/support/
// handlers.ts apiRequest, in-process-app.ts): this process plays server.js's part.
(globalThis as Record<symbol, unknown>)[Symbol.for("gatehouse.stampsClientIp")] = true;
