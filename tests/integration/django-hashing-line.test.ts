import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startApp, type RunningApp } from "../support/app";
import { ApiClient, type ApiResponse } from "../support/client";

// The hashing line holds its bounds for imported Django hashes (docs/security.md, bounded
// work; docs/decisions/045): a burst of logins of 1,000,000-round PBKDF2 users is refused
// with 503 and Retry-After past the line's work bound, at once rather than after waiting,
// and Django's 100 MiB argon2 hashes are checked one at a time, so memory stays bounded.
// The line is fixed at two slots here, whatever the machine's cores.

const FIXTURES = path.join(ROOT, "tests/fixtures/django");
const seed = JSON.parse(readFileSync(path.join(FIXTURES, "seed.json"), "utf8")) as Array<{ model: string; pk: number; fields: Record<string, unknown> }>;
const passwords = JSON.parse(readFileSync(path.join(FIXTURES, "passwords.json"), "utf8")).seed as Record<string, { password: string }>;
// Long enough that no login here waits it out, even on a loaded machine: every 503 below
// is the line's work bound refusing at once.
const MAX_WAIT_MS = 30_000;

/** `count` users that share one real Django hash (the hash's salt is in it, so each verifies alike). */
function users(from: string, firstId: number, count: number) {
  const record = seed.find((r) => r.fields.username === from)!;
  return Array.from({ length: count }, (_, i) => ({
    ...record,
    pk: firstId + i,
    fields: { ...record.fields, username: `${from}${i}`, email: `${from}${i}@example.com` },
  }));
}

let app: RunningApp;
let dir: string;

beforeAll(async () => {
  app = await startApp({ env: { PASSWORD_HASH_CONCURRENCY: "2", PASSWORD_HASH_QUEUE: "64", PASSWORD_HASH_MAX_WAIT_MS: String(MAX_WAIT_MS) } });
  dir = mkdtempSync(path.join(tmpdir(), "gatehouse-line-"));
  const file = path.join(dir, "dump.json");
  writeFileSync(file, JSON.stringify([...users("pbkdf2million", 1000, 30), ...users("argon2", 2000, 6)]));
  execFileSync("npm", ["run", "-s", "import:django", "--", file], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: app.databaseUrl } as Record<string, string> as NodeJS.ProcessEnv, stdio: "pipe" });
});

afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The server's peak resident memory since the last reset, in MiB (Linux: /proc/PID/status VmHWM). */
const peakMiB = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${app.pid()}/status`, "utf8"))![1]) / 1024;
const residentMiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${app.pid()}/status`, "utf8"))![1]) / 1024;
/** Start a new peak from the current resident size (clear_refs "5", Linux 4.0+). */
const resetPeak = () => writeFileSync(`/proc/${app.pid()}/clear_refs`, "5");

const login = (email: string, password: string) => new ApiClient(app.url).post("/api/auth/login/", { email, password });

/** The server's own log of how long each answer of the burst took, by status. */
function answerTimes(since: number): Array<{ status: number; ms: number }> {
  return app
    .logs()
    .slice(since)
    .split("\n")
    .filter((line) => line.startsWith("INFO request ") && line.includes('"path":"/api/auth/login/"'))
    .map((line) => JSON.parse(line.slice("INFO request ".length)) as { status: number; ms: number });
}

describe("a burst of logins of imported users", () => {
  it("1,000,000-round PBKDF2: what exceeds the line's work is refused at once with 503 and Retry-After; memory stays flat", async () => {
    resetPeak();
    const before = residentMiB();
    const logStart = app.logs().length;
    const answers: ApiResponse[] = await Promise.all(Array.from({ length: 30 }, (_, i) => login(`pbkdf2million${i}@example.com`, passwords.pbkdf2million!.password)));
    const statuses = answers.map((a) => a.status);
    expect(new Set(statuses).size <= 2 && statuses.every((s) => s === 200 || s === 503), statuses.join(",")).toBe(true);
    const busy = answers.filter((a) => a.status === 503);
    // Two run and three wait (20 units of work each, 64 in the line): the rest cannot fit.
    expect(busy.length).toBeGreaterThanOrEqual(20);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2);
    for (const answer of busy) {
      const retryAfter = Number(answer.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(answer.body).toEqual({ detail: `Server busy. Try again in ${retryAfter} seconds.` });
    }
    // Refused by the line's work bound at once, not after waiting out PASSWORD_HASH_MAX_WAIT_MS
    // (counted as one unit each, all thirty would fit the line and wait their turn).
    await new Promise((resolve) => setTimeout(resolve, 50)); // the info log is flushed on the next turn
    const refusedTimes = answerTimes(logStart).filter((a) => a.status === 503).map((a) => a.ms);
    expect(refusedTimes).toHaveLength(busy.length);
    expect(Math.max(...refusedTimes)).toBeLessThan(5000);
    // PBKDF2 holds a few KiB: the burst adds no more than the server's ordinary churn.
    expect(peakMiB() - before).toBeLessThan(64);
  });

  it("Django's 100 MiB argon2: checked one at a time, so the peak grows by one hash, not two", async () => {
    // Let the previous burst's re-hashes settle.
    await new Promise((resolve) => setTimeout(resolve, 200));
    resetPeak();
    const before = residentMiB();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => login(`argon2${i}@example.com`, passwords.argon2!.password)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const growth = peakMiB() - before;
    // One at a time: about 100 MiB. Two at once (the line's two slots) would be about 200.
    // The lower bound only shows that the peak saw a big hash at all (two of Gatehouse's
    // own are 38 MiB); pages the process kept from earlier work can hide part of the first,
    // as seen once under a full run (78 MiB), so it is not the 100.
    expect(growth).toBeGreaterThan(50);
    expect(growth).toBeLessThan(160);
  });
});
