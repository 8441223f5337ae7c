import "server-only";
import { inArray } from "drizzle-orm";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { createRateLimiter, getDb, type Queryable } from "@/lib/db";
import { rateLimits } from "@/db/schema";
import { getEnv, type Env } from "@/lib/env";
import { peekSingleton, singleton } from "@/lib/singleton";
import { log } from "@/lib/log";
import type { KnownDevice } from "./device";
import { identityKey } from "./user";

// Abuse limits of docs/security.md, kept in the database (the rate_limits table) so
// they hold across restarts and across processes that share the file. The per-address
// email cap is not here: it counts the outbox itself (lib/email/send.ts).

/**
 * Every limit: how many in how many seconds, the count read from the variable named (the
 * API document states the same, lib/openapi.ts). Per client IP, each action has a bucket
 * of its own, so that one cannot spend another's, though several share one variable.
 */
export const LIMITS = {
  login: { variable: "RATE_LIMIT_LOGIN_PER_IP", seconds: 60 },
  "password-change": { variable: "RATE_LIMIT_LOGIN_PER_IP", seconds: 60 },
  "social-exchange": { variable: "RATE_LIMIT_LOGIN_PER_IP", seconds: 60 },
  // Second-factor codes (mfa/verify, TOTP confirm and off, new recovery codes, re-authentication).
  mfa: { variable: "RATE_LIMIT_LOGIN_PER_IP", seconds: 60 },
  register: { variable: "RATE_LIMIT_REGISTER_PER_IP", seconds: 3600 },
  email: { variable: "RATE_LIMIT_EMAIL_PER_IP", seconds: 3600 },
  refresh: { variable: "RATE_LIMIT_REFRESH_PER_IP", seconds: 60 },
  api: { variable: "RATE_LIMIT_API_PER_IP", seconds: 60 },
  // The OpenID Connect provider's endpoints (lib/oidc/limits.ts): per client IP, and per client.
  oidc: { variable: "RATE_LIMIT_OIDC_PER_IP", seconds: 60 },
  "oidc-client": { variable: "RATE_LIMIT_OIDC_PER_CLIENT", seconds: 60 },
  // Per account: checks of a secret (password, later codes) charged before they run.
  "account-checks": { variable: "RATE_LIMIT_LOGIN_FAILURES", seconds: 15 * 60 },
  // One point: the gate past the budget (consume) and the lockout itself (block).
  "account-lock": { points: 1, seconds: 15 * 60 },
} as const satisfies Record<string, { variable: LimitVariable; seconds: number } | { points: number; seconds: number }>;

/** The variables that set a limit's count. */
type LimitVariable = { [K in keyof Env]: K extends `RATE_LIMIT_${string}` ? K : never }[keyof Env];

const pointsOf = (limit: (typeof LIMITS)[RateLimitName], env: Env): number => ("points" in limit ? limit.points : env[limit.variable]);

export type RateLimitName = keyof typeof LIMITS;
export type PerIpLimit = Exclude<RateLimitName, "account-checks" | "account-lock">;

const LOCKOUT_BASE_SECONDS = 60;
const LOCKOUT_MAX_SECONDS = 15 * 60;

function limiter(name: RateLimitName): RateLimiterAbstract {
  const limit = LIMITS[name];
  return singleton(`rate-limit:${name}`, () => createRateLimiter({ keyPrefix: name, points: pointsOf(limit, getEnv()), duration: limit.seconds }));
}

const secondsUntil = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** rate-limiter-flexible rejects an exhausted consume with its result; here both are results. */
async function consumeCounting(
  name: RateLimitName,
  key: string,
  options?: { customDuration?: number; points?: number },
): Promise<RateLimiterRes> {
  try {
    return await limiter(name).consume(key, options?.points ?? 1, options?.customDuration ? { customDuration: options.customDuration } : undefined);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  }
}

/** Count one request against a per-IP limit; `{ retryAfter }` when it is exhausted, else null. */
export async function consumeRateLimit(name: PerIpLimit, key: string): Promise<{ retryAfter: number } | null> {
  if (name === "api") return singleton("rate-limit:api:local", () => new LocalFirstLimit("api", API_SYNC_MS)).consume(key);
  const res = await consumeCounting(name, key);
  return res.consumedPoints > limiter(name).points ? { retryAfter: secondsUntil(res) } : null;
}

/** How stale the general `api` bucket's shared count may get (docs/decisions/015). */
const API_SYNC_MS = 1000;

type LocalCount = { shared: number; pending: number; resetAt: number; syncedAt: number };

/**
 * A per-IP limit counted in this process first, its counts written to the shared table in
 * batches (docs/decisions/015-api-bucket-counted-in-process-first.md). Only the general
 * `api` bucket uses it: the limits that protect accounts and mailboxes stay exact.
 *
 * The first request of a key, and the first after `syncMs` without a write, goes to the
 * shared table at once (so a fresh count from another process is seen); requests in
 * between are counted here and written together within `syncMs`. Each decision is this
 * process's pending count on top of the shared count last read.
 */
class LocalFirstLimit {
  private readonly counts = new Map<string, LocalCount>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly name: PerIpLimit,
    private readonly syncMs: number,
  ) {}

  async consume(key: string): Promise<{ retryAfter: number } | null> {
    const points = limiter(this.name).points;
    const now = Date.now();
    let count = this.counts.get(key);
    if (count && now < count.resetAt && now - count.syncedAt < this.syncMs) {
      count.pending++;
      this.scheduleWrite();
      const retryAfter = Math.max(1, Math.ceil((count.resetAt - now) / 1000));
      return count.shared + count.pending > points ? { retryAfter } : null;
    }
    if (!count) this.counts.set(key, (count = { shared: 0, pending: 0, resetAt: 0, syncedAt: now }));
    // Counts pending from a window that has ended are dropped with it.
    const carried = now < count.resetAt ? count.pending : 0;
    count.pending = 0;
    count.syncedAt = now;
    const res = await consumeCounting(this.name, key, { points: carried + 1 });
    count.shared = res.consumedPoints;
    count.resetAt = now + res.msBeforeNext;
    this.scheduleWrite(); // also the sweep that forgets this key once it is quiet
    return res.consumedPoints > points ? { retryAfter: secondsUntil(res) } : null;
  }

  /** Write what is pending now, and no more after: the database is about to close. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.write();
  }

  private scheduleWrite(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => void this.write(), this.syncMs);
    this.timer.unref();
  }

  /**
   * Write every pending count in one pass. Forget keys whose window has ended, and keys
   * with nothing pending that the next request would read afresh anyway, so that many
   * clients passing through (an IPv6 spray, say) do not grow this map without end.
   */
  private async write(): Promise<void> {
    this.timer = null;
    const now = Date.now();
    for (const [key, count] of this.counts) {
      if (now >= count.resetAt || (count.pending === 0 && now - count.syncedAt >= this.syncMs)) {
        this.counts.delete(key);
        continue;
      }
      if (count.pending === 0) continue;
      const points = count.pending;
      count.pending = 0;
      count.syncedAt = now;
      try {
        const res = await consumeCounting(this.name, key, { points });
        count.shared = res.consumedPoints;
        count.resetAt = now + res.msBeforeNext;
      } catch (error) {
        // Keep the count for the next pass rather than lose it.
        count.pending += points;
        log.error("writing per-IP api counts failed", { error });
      }
    }
    if (this.counts.size > 0) this.scheduleWrite();
  }
}

/**
 * Before the database closes (shutdown, a test's restart): the `api` bucket's counts still
 * pending in this process are written, and its timer stops, so that no write meets a
 * closed connection.
 */
export async function flushRateLimits(): Promise<void> {
  await peekSingleton<LocalFirstLimit>("rate-limit:api:local")?.close();
}

export type AccountCheck = { locked: true; retryAfter: number } | { locked: false; passed: boolean };

/**
 * Run one check of a secret (a password, later a second-factor code) for an account,
 * within its budget (docs/security.md, brute force): RATE_LIMIT_LOGIN_FAILURES failures
 * in 15 minutes, then a lock of 1, 2, 4 ... minutes, at most 15, between single tries.
 *
 * Every attempt is charged before it runs, with one atomic increment, so each of a
 * parallel burst sees its own count: the checks that fit the budget run, and the one
 * that would exhaust it (or the first after a lock ran out) must also take the
 * one-point gate, so no burst runs more checks than a serial attacker could. Nothing is
 * ever given back but by a success, so the count only grows until it expires: a refused
 * or interrupted attempt still counts. A success clears everything; a failure past the
 * budget locks. Unknown accounts are counted like known ones.
 *
 * `clearOnSuccess: false` is for a first factor that a second one follows: the password
 * of a user with TOTP on. Its success must not refund the code guesses that share this
 * budget, or whoever knows the password could sign in again after every four wrong
 * codes and guess TOTP codes for ever. Only its own charge is given back; the code's own
 * success clears the count.
 */
export async function checkAccountSecret(
  account: string,
  check: () => Promise<boolean>,
  options: { clearOnSuccess?: boolean; device?: KnownDevice | null } = {},
): Promise<AccountCheck> {
  const key = lockoutKey(account, options.device);
  const checks = limiter("account-checks");
  const lock = limiter("account-lock");

  const locked = await lockedFor(key);
  if (locked) return { locked: true, ...locked };

  const charged = await consumeCounting("account-checks", key);
  const count = charged.consumedPoints;
  const gated = count >= checks.points;
  if (gated) {
    // Held for a minute at most: a process that dies mid-check cannot lock for long.
    const gate = await consumeCounting("account-lock", key, { customDuration: LOCKOUT_BASE_SECONDS });
    if (gate.consumedPoints > 1) return { locked: true, retryAfter: secondsUntil(gate) };
  }

  let passed: boolean;
  try {
    passed = await check();
  } catch (error) {
    // The check never ran to the end (a full hashing line, a client that left): free the
    // gate for the next try, without a lock. The charge stays, so interrupted attempts
    // cannot be used to earn checks back.
    if (gated) await lock.delete(key);
    throw error;
  }
  if (passed) {
    if (options.clearOnSuccess !== false) await clearLockout(key);
    else {
      // Only this attempt's own charge comes back (a right password is no guess), and
      // the gate it held; the wrong codes before it stay counted.
      await Promise.all([checks.reward(key, 1), gated ? lock.delete(key) : null]);
    }
    return { locked: false, passed: true };
  }
  if (gated) {
    const seconds = Math.min(LOCKOUT_MAX_SECONDS, LOCKOUT_BASE_SECONDS * 2 ** (count - checks.points));
    // The count outlives the lock by 15 minutes, so waiting out one lock does not reset it.
    // Set to this attempt's own count, which is at least the budget: counts never fall
    // below it while the lock holds.
    await Promise.all([lock.block(key, seconds), checks.set(key, count, seconds + checks.duration)]);
  }
  return { locked: false, passed: false };
}

/**
 * Whose budget a check spends: the account's, or, from a browser that signed in to this
 * account before (a valid device cookie naming it: lib/auth/device.ts), that device's own
 * (docs/decisions/025). Guesses from elsewhere then cannot lock the owner's devices out.
 */
function lockoutKey(account: string, device?: KnownDevice | null): string {
  return device ? `device:${device.deviceId}` : identityKey(account);
}

async function lockedFor(key: string): Promise<{ retryAfter: number } | null> {
  const current = await limiter("account-lock").get(key);
  // One point is the gate held by a check in flight; past one, a lock.
  return current && current.consumedPoints > 1 ? { retryAfter: secondsUntil(current) } : null;
}

/** Seconds left on the account's lock, or null: a read that charges nothing. */
export function accountLockout(account: string): Promise<{ retryAfter: number } | null> {
  return lockedFor(identityKey(account));
}

async function clearLockout(key: string): Promise<void> {
  const rows = [limiter("account-checks").getKey(key), limiter("account-lock").getKey(key)];
  await getDb().delete(rateLimits).where(inArray(rateLimits.key, rows));
}

/**
 * A success (or a completed password reset) lifts the account's count and lock: both rows
 * of the limiters' table in one statement, one commit (every successful login runs it).
 */
export function clearAccountLockout(account: string): Promise<void> {
  return clearLockout(identityKey(account));
}

/**
 * The rows of the limiters' table that are keyed by an address (its count of checks and
 * its lock): an erased account takes them along (lib/account/erasure.ts). Call inside its transaction.
 */
export async function deleteAccountLimits(q: Queryable, account: string): Promise<void> {
  const key = identityKey(account);
  await q.delete(rateLimits).where(inArray(rateLimits.key, [limiter("account-checks").getKey(key), limiter("account-lock").getKey(key)]));
}
