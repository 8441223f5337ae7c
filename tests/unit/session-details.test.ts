import { describe, expect, it } from "vitest";
import { describeDevice, formatDateTime, formatLastActive } from "@/app/profile/session-details";

// User agents as the browsers send them (versions vary; the tokens matched do not).
const UA = {
  chromeLinux:
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  // Playwright's Chromium, as the e2e sessions list shows it.
  headlessChrome:
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.6478.126 Safari/537.36",
  safariIPhone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  safariIPad:
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  chromeIPhone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
  safariMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  edgeWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
  operaWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/112.0.0.0",
  firefoxWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
  samsungAndroid:
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
  chromeAndroid:
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  chromeOS:
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
};

describe("describeDevice", () => {
  it.each([
    ["Chrome on Linux", UA.chromeLinux, "Chrome on Linux"],
    ["HeadlessChrome (no word boundary before Chrome)", UA.headlessChrome, "Chrome on Linux"],
    ["Safari on an iPhone (which also says Mac OS X)", UA.safariIPhone, "Safari on iOS"],
    ["Safari on an iPad", UA.safariIPad, "Safari on iPadOS"],
    ["Chrome on an iPhone (CriOS, no Chrome/ token)", UA.chromeIPhone, "Chrome on iOS"],
    ["Safari on a Mac", UA.safariMac, "Safari on macOS"],
    ["Edge on Windows (which also says Chrome and Safari)", UA.edgeWindows, "Edge on Windows"],
    ["Opera on Windows (which also says Chrome)", UA.operaWindows, "Opera on Windows"],
    ["Firefox on Windows", UA.firefoxWindows, "Firefox on Windows"],
    ["Samsung Internet on Android (which also says Linux and Chrome)", UA.samsungAndroid, "Samsung Internet on Android"],
    ["Chrome on Android", UA.chromeAndroid, "Chrome on Android"],
    ["Chrome on ChromeOS", UA.chromeOS, "Chrome on ChromeOS"],
  ])("names %s", (_, userAgent, expected) => {
    expect(describeDevice(userAgent)).toBe(expected);
  });

  it("names the browser alone when the system is not recognised", async () => {
    expect(describeDevice("Mozilla/5.0 (X11; FreeBSD amd64; rv:127.0) Gecko/20100101 Firefox/127.0")).toBe("Firefox");
  });

  it("names the system alone when the browser is not recognised", async () => {
    expect(describeDevice("Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240605.024)")).toBe("Android");
  });

  it("shows an unknown user agent as it is when it is short", async () => {
    expect(describeDevice("curl/8.5.0")).toBe("curl/8.5.0");
    expect(describeDevice("  curl/8.5.0\n")).toBe("curl/8.5.0");
  });

  it("shortens a long unknown user agent to 60 characters, ending in …", async () => {
    const ua = "ExampleMonitor/2.1 (+https://monitor.example.com/about-this-bot; contact ops@example.com)";
    const shown = describeDevice(ua);
    expect(shown).toBe(`${ua.slice(0, 59)}…`);
    expect(shown).toHaveLength(60);
  });

  it("keeps an unknown user agent of exactly 60 characters whole", async () => {
    const ua = `x/${"1".repeat(58)}`;
    expect(describeDevice(ua)).toBe(ua);
  });

  it.each([
    ["null", null],
    ["an empty string", ""],
    ["only whitespace", "  \t "],
  ])("says Unknown device for %s", (_, userAgent) => {
    expect(describeDevice(userAgent)).toBe("Unknown device");
  });
});

// The dates are formatted in the machine's locale and time zone, so these tests compare
// with Intl in that same locale, or with each other, rather than with fixed English text.
describe("formatDateTime", () => {
  it("formats the instant, whatever offset the ISO string is written with", async () => {
    expect(formatDateTime("2024-03-01T13:00:00+01:00")).toBe(formatDateTime("2024-03-01T12:00:00Z"));
    expect(formatDateTime("2024-03-01T12:00:00Z")).not.toBe(formatDateTime("2024-03-01T12:05:00Z"));
  });
});

describe("formatLastActive", () => {
  const now = Date.parse("2024-06-15T12:00:00Z");
  const ago = (ms: number) => new Date(now - ms).toISOString();
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const MINUTE = 60_000;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;

  it("says just now under a minute", async () => {
    expect(formatLastActive(ago(0), now)).toBe("just now");
    expect(formatLastActive(ago(59_999), now)).toBe("just now");
  });

  it("says just now for a time ahead of this clock (a server clock slightly ahead)", async () => {
    expect(formatLastActive(ago(-5 * MINUTE), now)).toBe("just now");
  });

  it.each([
    [MINUTE, -1, "minute"],
    [5 * MINUTE + 59_000, -5, "minute"],
    [59 * MINUTE, -59, "minute"],
    [HOUR, -1, "hour"],
    [90 * MINUTE, -1, "hour"],
    [23 * HOUR + 59 * MINUTE, -23, "hour"],
    [DAY, -1, "day"],
    [36 * HOUR, -1, "day"],
    [7 * DAY - 1, -6, "day"],
  ] as const)("counts %i ms ago in whole units, rounded down", (elapsed, value, unit) => {
    expect(formatLastActive(ago(elapsed), now)).toBe(relative.format(value, unit));
  });

  it("gives the date itself from a week ago", async () => {
    for (const elapsed of [7 * DAY, 400 * DAY]) {
      const iso = ago(elapsed);
      expect(formatLastActive(iso, now)).toBe(`on ${formatDateTime(iso)}`);
    }
  });

  it("counts from the current time by default", async () => {
    expect(formatLastActive(new Date().toISOString())).toBe("just now");
  });
});
