import { describe, expect, it, vi } from "vitest";
import { closeDb } from "@/lib/db";
import { accountLockout, checkAccountSecret, clearAccountLockout, consumeRateLimit, flushRateLimits } from "@/lib/auth/rate-limit";
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
    ["password-change", 20, 60],
    ["social-exchange", 20, 60],
    ["register", 10, 3600],
    ["email", 10, 3600],
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

  it("gives login, password change and code exchange a bucket each, though they share a size", async () => {
    process.env.RATE_LIMIT_LOGIN_PER_IP = "1";
    expect(await consumeRateLimit("login", "ip")).toBeNull();
    expect(await consumeRateLimit("login", "ip")).not.toBeNull();
    expect(await consumeRateLimit("password-change", "ip")).toBeNull();
    expect(await consumeRateLimit("social-exchange", "ip")).toBeNull();
  });

  it("writes the api bucket's counts still pending in this process before the database closes (shutdown)", async () => {
    // The batch's write is a timer: faked, so that what is scheduled can be counted.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    // The first request of a key is written at once; the next ones wait in this process for the batch.
    for (let i = 0; i < 4; i++) expect(await consumeRateLimit("api", "203.0.113.9")).toBeNull();
    const points = () => rawRows("rate_limits").find((row) => row.key === "api:203.0.113.9")?.points;
    expect(points()).toBe(1);
    // The batch's timer, and the limiter's own sweep of expired rows.
    const scheduled = vi.getTimerCount();
    await flushRateLimits();
    expect(points()).toBe(4);
    // The batch's write is no longer scheduled, so none can meet the closed connection.
    expect(vi.getTimerCount()).toBe(scheduled - 1);
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

const ACCOUNT = "victim@example.com";
const wrong = () => checkAccountSecret(ACCOUNT, async () => false);
const right = () => checkAccountSecret(ACCOUNT, async () => true);
/** Seconds left on the lock now, or null. */
const lockNow = async () => (await accountLockout(ACCOUNT))?.retryAfter ?? null;

describe("account lockout (checkAccountSecret)", () => {
  it("runs the check, and says whether it passed", async () => {
    expect(await right()).toEqual({ locked: false, passed: true });
    expect(await wrong()).toEqual({ locked: false, passed: false });
  });

  it("locks from the Nth failure for 1, 2, 4, 8 minutes, at most 15", async () => {
    freezeClock();
    const locks: Array<number | null> = [];
    let now = 0;
    for (let i = 1; i <= 10; i++) {
      expect(await wrong()).toEqual({ locked: false, passed: false });
      const lock = await lockNow();
      locks.push(lock);
      // Wait out the lock, as a patient guesser would, so the next failure is checked.
      now += lock ?? 0;
      at(now);
    }
    expect(locks).toEqual([null, null, null, null, 60, 120, 240, 480, 900, 900]);
  });

  it("refuses without running the check while locked, and lifts when the lock has run its course", async () => {
    freezeClock();
    for (let i = 0; i < 5; i++) await wrong();
    const check = vi.fn(async () => true);
    at(59);
    expect(await checkAccountSecret(ACCOUNT, check)).toEqual({ locked: true, retryAfter: 1 });
    expect(check).not.toHaveBeenCalled();
    at(60);
    expect(await checkAccountSecret(ACCOUNT, check)).toEqual({ locked: false, passed: true });
  });

  it("runs at most RATE_LIMIT_LOGIN_FAILURES checks of a parallel burst", async () => {
    let checks = 0;
    const slowWrong = async () => {
      checks++;
      await new Promise((r) => setTimeout(r, 20));
      return false;
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => checkAccountSecret(ACCOUNT, slowWrong)));
    expect(checks).toBe(5);
    expect(results.filter((r) => r.locked)).toHaveLength(15);
  });

  it("lets one check through after a lock ends, however many arrive at once", async () => {
    freezeClock();
    for (let i = 0; i < 5; i++) await wrong();
    at(60);
    let checks = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        checkAccountSecret(ACCOUNT, async () => {
          checks++;
          await new Promise((r) => setTimeout(r, 10));
          return false;
        }),
      ),
    );
    expect(checks).toBe(1);
    expect(results.filter((r) => !r.locked)).toHaveLength(1);
    // That failure at least doubled the lock (the refused attempts count too).
    const lock = await lockNow();
    expect(lock).toBeGreaterThanOrEqual(120);
    expect(lock).toBeLessThanOrEqual(900);
  });

  it("frees the gate without locking when the check throws (a full hashing line), and keeps the charge", async () => {
    for (let i = 0; i < 4; i++) await wrong();
    await expect(checkAccountSecret(ACCOUNT, async () => Promise.reject(new Error("busy")))).rejects.toThrow("busy");
    // Not locked: the next try runs. It is the sixth attempt, so its failure locks for 2 minutes.
    expect(await wrong()).toEqual({ locked: false, passed: false });
    expect(await lockNow()).toBe(120);
  });

  it("never lets interrupted attempts earn checks back", async () => {
    for (let i = 0; i < 10; i++) {
      await expect(checkAccountSecret(ACCOUNT, async () => Promise.reject(new Error("client left")))).rejects.toThrow();
    }
    // Ten charges stand: the next check is gated, and its failure locks at once.
    expect(await wrong()).toEqual({ locked: false, passed: false });
    expect(await lockNow()).toBe(900);
  });

  it("forgets the count after 15 quiet minutes once the last lock has ended", async () => {
    freezeClock();
    for (let i = 0; i < 5; i++) await wrong(); // locked 60 s
    at(60);
    await wrong(); // locked 120 s
    at(60 + 120 + 15 * 60);
    for (let i = 0; i < 4; i++) await wrong();
    expect(await lockNow()).toBeNull();
  });

  it("is cleared by a success, and by clearAccountLockout, count included, whatever the case of the address", async () => {
    freezeClock();
    for (let i = 0; i < 4; i++) await wrong();
    await right();
    for (let i = 0; i < 4; i++) await wrong();
    expect(await lockNow()).toBeNull();
    await wrong();
    expect(await lockNow()).toBe(60);
    await clearAccountLockout("VICTIM@Example.com");
    for (let i = 0; i < 4; i++) await wrong();
    expect(await lockNow()).toBeNull();
  });

  it("holds across a restart", async () => {
    for (let i = 0; i < 5; i++) await wrong();
    restart();
    expect(await lockNow()).not.toBeNull();
  });
});
