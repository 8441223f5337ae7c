import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "@/lib/log";

// lib/log.ts: a warning that comes in floods is written once a second with a count.

afterEach(() => vi.restoreAllMocks());

describe("log.warnBurst", () => {
  it("writes the first of a second at once and the rest as one counted line after it", () => {
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
