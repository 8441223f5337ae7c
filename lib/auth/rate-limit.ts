import "server-only";
import { RateLimiterRes, RateLimiterSQLite } from "rate-limiter-flexible";
import { getDb } from "@/db/client";
import { getEnv, type Env } from "@/lib/env";
import { singleton } from "@/lib/singleton";

// Abuse limits of docs/security.md, kept in the database (the rate_limits table) so they
// hold across restarts and across processes that share the file.

const LIMITS = {
  login: (env: Env) => ({ points: env.RATE_LIMIT_LOGIN_PER_IP, duration: 60 }),
  register: (env: Env) => ({ points: env.RATE_LIMIT_REGISTER_PER_IP, duration: 3600 }),
  email: (env: Env) => ({ points: env.RATE_LIMIT_EMAIL_PER_IP, duration: 3600 }),
  "email-address": (env: Env) => ({ points: env.RATE_LIMIT_EMAIL_PER_ADDRESS, duration: 3600 }),
  refresh: (env: Env) => ({ points: env.RATE_LIMIT_REFRESH_PER_IP, duration: 60 }),
  api: (env: Env) => ({ points: env.RATE_LIMIT_API_PER_IP, duration: 60 }),
  "login-failures": (env: Env) => ({ points: env.RATE_LIMIT_LOGIN_FAILURES, duration: 15 * 60 }),
  // Holds one point; block() pushes it over for the length of a lockout.
  "login-lock": () => ({ points: 1, duration: 15 * 60 }),
} as const;

export type RateLimitName = keyof typeof LIMITS;

const LOCKOUT_BASE_SECONDS = 60;
const LOCKOUT_MAX_SECONDS = 15 * 60;

function limiter(name: RateLimitName): RateLimiterSQLite {
  return singleton(`rate-limit:${name}`, () => {
    const { points, duration } = LIMITS[name](getEnv());
    return new RateLimiterSQLite({
      storeClient: getDb().$client,
      storeType: "better-sqlite3",
      tableName: "rate_limits",
      tableCreated: true,
      clearExpiredByTimeout: true,
      keyPrefix: name,
      points,
      duration,
    });
  });
}

const secondsUntil = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** Count one request against a limit; `{ retryAfter }` when it is exhausted, else null. */
export async function consumeRateLimit(name: RateLimitName, key: string): Promise<{ retryAfter: number } | null> {
  try {
    await limiter(name).consume(key);
    return null;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { retryAfter: secondsUntil(rejection) };
    throw rejection;
  }
}

/** Seconds left on an account's login lockout, or null when it may try. */
export async function loginLockout(email: string): Promise<{ retryAfter: number } | null> {
  const res = await limiter("login-lock").get(email.toLowerCase());
  return res && res.consumedPoints > 1 ? { retryAfter: secondsUntil(res) } : null;
}

/**
 * A failed login for this address. From the Nth failure on, each one locks the address
 * for 1, 2, 4, 8 ... minutes, at most 15 (docs/security.md: exponential backoff). While the
 * backoff runs, the count is kept until 15 minutes after the lock ends, so waiting out
 * one lock does not reset it: only 15 quiet minutes or a successful login do.
 */
export async function recordLoginFailure(email: string): Promise<void> {
  const key = email.toLowerCase();
  const failures = limiter("login-failures");
  const res = await failures.consume(key).catch((rejection: unknown) => {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  });
  const beyond = res.consumedPoints - failures.points;
  if (beyond < 0) return;
  const seconds = Math.min(LOCKOUT_MAX_SECONDS, LOCKOUT_BASE_SECONDS * 2 ** beyond);
  await Promise.all([
    limiter("login-lock").block(key, seconds),
    failures.set(key, res.consumedPoints, seconds + failures.duration),
  ]);
}

/** A successful login resets the account's failure count. */
export async function clearLoginFailures(email: string): Promise<void> {
  const key = email.toLowerCase();
  await Promise.all([limiter("login-failures").delete(key), limiter("login-lock").delete(key)]);
}
