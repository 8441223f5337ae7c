import { test as base, expect, type BrowserContext } from "@playwright/test";

// Every test fails if a page logged an error: a script or style blocked by the CSP, a
// hydration mismatch, an uncaught exception. Failed requests are left out: the browser
// logs one for every answer the pages expect and explain in words (400 from a refresh
// without a cookie, 400 for a wrong password, a network failure a test simulates).
// A request the CSP blocks is logged separately ("Refused to …"), so it still counts.
// The development mailbox frames each email's HTML in a sandbox without scripts; Chromium
// notes that sandbox when the test driver looks into the frame.
const EXPECTED = [/^Failed to load resource: /, /^Blocked script execution in '[^']*\/dev\/mail\/\d+\/html\/'/];

export const test = base.extend<{ context: BrowserContext }>({
  context: async ({ context }, use) => {
    const problems: string[] = [];
    context.on("console", (message) => {
      if (message.type() === "error" && !EXPECTED.some((pattern) => pattern.test(message.text()))) {
        problems.push(`console error on ${message.page()?.url()}: ${message.text()}`);
      }
    });
    context.on("weberror", (error) => problems.push(`uncaught: ${error.error().message}`));
    await use(context);
    expect(problems, "the browser console stays clean (no CSP violations, no errors)").toEqual([]);
  },
});

export { expect };
