import { describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { clearLoginFailures, consumeRateLimit, loginLockout, recordLoginFailure } from "@/lib/auth/rate-limit";
import { resetSingletons } from "@/lib/singleton";
import { rawRows } from "./helpers";

// docs/security.md, Abuse limits: the documented per-IP limits, the per-account lockout with
// exponential backoff capped at 15 minutes, kept in the database so that they hold
// across restarts.

const start = new Date("2030-01-01T00:00:00Z").getTime();

function freezeClock() {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(start);
}
const at = (seconds: number) => vi.setSystemTime(start + seconds * 1000);

/** A restart: the process forgets its limiters and reopens the database file. */
function restart() {
  closeDb();
  resetSingletons();
}

describe("consumeRateLimit", () => {
  it.each([
    ["login", 20, 60],
    ["register", 10, 3600],
    ["email", 10, 3600],
    ["email-address", 3, 3600],
    ["refresh", 60, 60],
    ["api", 300, 60],
  ] as const)("%s allows %i per %i seconds, then answers with the wait", async (name, points, duration) => {
    freezeClock();
    for (let i = 0; i < points; i++) expect(await consumeRateLimit(name, "203.0.113.1")).toBeNull();
    expect(await consumeRateLimit(name, "203.0.113.1")).toEqual({ retryAfter: duration });
    at(duration / 2);
    expect(await consumeRateLimit(name, "203.0.113.1")).toEqual({ retryAfter: duration / 2 });
    // Another client is not affected, and the limit lifts when its window ends.
    expect(await consumeRateLimit(name, "203.0.113.2")).toBeNull();
    at(duration);
    expect(await consumeRateLimit(name, "203.0.113.1")).toBeNull();
  });

  it("is configurable", async () => {
    process.env.RATE_LIMIT_REGISTER_PER_IP = "2";
    expect(await consumeRateLimit("register", "ip")).toBeNull();
    expect(await consumeRateLimit("register", "ip")).toBeNull();
    expect(await consumeRateLimit("register", "ip")).not.toBeNull();
  });

  it("keeps separate counts for separate limits", async () => {
    process.env.RATE_LIMIT_REGISTER_PER_IP = "1";
    expect(await consumeRateLimit("register", "ip")).toBeNull();
    expect(await consumeRateLimit("register", "ip")).not.toBeNull();
    expect(await consumeRateLimit("login", "ip")).toBeNull();
  });

  it("holds across a restart, because it lives in the database", async () => {
    process.env.RATE_LIMIT_REGISTER_PER_IP = "2";
    await consumeRateLimit("register", "ip");
    await consumeRateLimit("register", "ip");
    expect(rawRows("rate_limits").length).toBeGreaterThan(0);
    restart();
    expect(await consumeRateLimit("register", "ip")).not.toBeNull();
  });
});

describe("login lockout", () => {
  it("locks from the Nth failure for 1, 2, 4, 8 minutes, at most 15", async () => {
    freezeClock();
    const locks: Array<number | null> = [];
    for (let i = 1; i <= 10; i++) {
      await recordLoginFailure("victim@example.com");
      locks.push((await loginLockout("victim@example.com"))?.retryAfter ?? null);
    }
    expect(locks).toEqual([null, null, null, null, 60, 120, 240, 480, 900, 900]);
  });

  it("lifts when the lockout has run its course", async () => {
    freezeClock();
    for (let i = 0; i < 5; i++) await recordLoginFailure("victim@example.com");
    at(59);
    expect(await loginLockout("victim@example.com")).toEqual({ retryAfter: 1 });
    at(60);
    expect(await loginLockout("victim@example.com")).toBeNull();
  });

  it("keeps doubling across locks that are waited out, up to the cap, not resetting", async () => {
    freezeClock();
    let now = 0;
    const locks: number[] = [];
    for (let i = 0; i < 5; i++) await recordLoginFailure("victim@example.com");
    // Wait out each lock, then fail once more, as a patient guesser would.
    for (let round = 0; round < 6; round++) {
      const lock = (await loginLockout("victim@example.com"))!.retryAfter;
      locks.push(lock);
      now += lock;
      at(now);
      expect(await loginLockout("victim@example.com")).toBeNull();
      await recordLoginFailure("victim@example.com");
    }
    expect(locks).toEqual([60, 120, 240, 480, 900, 900]);
  });

  it("forgets the count after 15 quiet minutes once the last lock has ended", async () => {
    freezeClock();
    for (let i = 0; i < 6; i++) await recordLoginFailure("victim@example.com"); // locked 120 s
    at(120 + 15 * 60);
    for (let i = 0; i < 4; i++) await recordLoginFailure("victim@example.com");
    expect(await loginLockout("victim@example.com")).toBeNull();
  });

  it("is cleared by clearLoginFailures, count included", async () => {
    freezeClock();
    for (let i = 0; i < 7; i++) await recordLoginFailure("victim@example.com");
    await clearLoginFailures("VICTIM@example.com");
    expect(await loginLockout("victim@example.com")).toBeNull();
    for (let i = 0; i < 4; i++) await recordLoginFailure("victim@example.com");
    expect(await loginLockout("victim@example.com")).toBeNull();
  });

  it("holds across a restart", async () => {
    for (let i = 0; i < 5; i++) await recordLoginFailure("victim@example.com");
    restart();
    expect(await loginLockout("victim@example.com")).not.toBeNull();
  });
});
