import { afterEach, describe, expect, it, vi } from "vitest";
import { DrizzleQueryError } from "drizzle-orm";
import { log } from "@/lib/log";
import { expectConsoleError } from "../support/unit-setup";

// lib/log.ts: a warning that comes in floods is written once a second with a count; a
// failed statement is logged without its parameters.

afterEach(() => vi.restoreAllMocks());

describe("log.warnBurst", () => {
  it("writes the first of a second at once and the rest as one counted line after it", async () => {
    vi.useFakeTimers();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let i = 0; i < 250; i++) log.warnBurst("hashing saturated", { bound: "queue" });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^WARN hashing saturated \{.*"bound":"queue"/);
    vi.advanceTimersByTime(1000);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toMatch(/^WARN hashing saturated \{.*"repeats":249,"withinMs":1000/);
    // A quiet second later, the next one is written at once again, with nothing to count.
    log.warnBurst("hashing saturated", { bound: "wait" });
    vi.advanceTimersByTime(1000);
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls[2]![0]).toContain('"bound":"wait"');
  });
});

describe("log.error", () => {
  it("names a failed statement's SQL and driver error, never the values it carried", async () => {
    const logged = expectConsoleError(/unhandled error/);
    const cause = Object.assign(new Error("UNIQUE constraint failed: users.email_key"), { name: "SqliteError", code: "SQLITE_CONSTRAINT_UNIQUE" });
    const secret = "$argon2id$v=19$m=19456,t=2,p=1$secret-hash";
    log.error("unhandled error", { error: new DrizzleQueryError("insert into users (email, password_hash) values (?, ?)", ["victim@example.com", secret], cause) });
    const [line] = logged();
    expect(line).toContain("UNIQUE constraint failed: users.email_key");
    expect(line).toContain('"query":"insert into users (email, password_hash) values (?, ?)"');
    expect(line).not.toContain("victim@example.com");
    expect(line).not.toContain(secret);
  });
});
