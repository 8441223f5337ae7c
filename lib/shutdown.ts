import "server-only";
import { flushRateLimits } from "@/lib/auth/rate-limit";
import { closeDb } from "@/lib/db";
import { deliverPendingEmails } from "./email/send";
import { log } from "./log";
import { singleton } from "./singleton";

// Graceful shutdown, the app's half (docs/decisions/017-graceful-shutdown.md). server.js
// owns the sockets: on SIGTERM or SIGINT it stops listening, lets the requests it has
// accepted finish, and then awaits `finish` below. Next bundles the app apart from
// server.js, so the two meet on globalThis, as they already do for the base headers.

const SHUTDOWN_HOOK = Symbol.for("gatehouse.shutdown");

export type ShutdownHook = {
  /** How long server.js lets accepted requests run after the signal (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** At the signal: from now on /api/health/ answers 503, so a load balancer routes elsewhere. */
  beginDrain(): void;
  /** Once the last connection has closed: a last outbox delivery, then the database closes. */
  finish(): Promise<void>;
};

// One per process, though Next bundles this module into each route.
const state = singleton("shutdown-state", () => ({ draining: false }));

/** True from the shutdown signal on. */
export function isDraining(): boolean {
  return state.draining;
}

/**
 * Hand server.js its hook (lib/startup.ts). `stopBackgroundWork` ends the minute-by-minute
 * email retry and waits for a pass in progress, so that no delivery runs once the database
 * is closed.
 */
export function registerShutdown(options: { timeoutMs: number; stopBackgroundWork: () => Promise<void> }): void {
  const hook: ShutdownHook = {
    timeoutMs: options.timeoutMs,
    beginDrain() {
      state.draining = true;
    },
    async finish() {
      await options.stopBackgroundWork();
      // Mail queued by the last requests (or left by a Resend hiccup) goes now rather
      // than at another instance's next retry. What still fails stays queued in the table.
      await deliverPendingEmails();
      await flushRateLimits();
      await closeDb();
      log.info("shutdown complete: outbox delivered, database closed");
    },
  };
  (globalThis as Record<symbol, unknown>)[SHUTDOWN_HOOK] = hook;
}
