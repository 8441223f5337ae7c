import { existsSync } from "node:fs";

// The Chromium every browser test drives (playwright.config.ts, tests/dev/): the one
// CHROMIUM_PATH names; else Debian's headless shell (`apt-get install
// chromium-headless-shell`), the old headless mode that Playwright itself uses for
// headless runs, which took 120 CPU-seconds for the journeys where the full browser took
// 190 (docs/decisions/055); else Debian's full chromium; else Playwright's own download.
export const CHROMIUM_EXECUTABLE: string | undefined =
  process.env.CHROMIUM_PATH ||
  ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].find((candidate) => existsSync(candidate));

/** Nothing in the background, nothing that reaches past loopback, no GPU on a server. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
