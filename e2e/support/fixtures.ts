import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import { signInByApi, type TestUser } from "./users";

// Every test fails if a page logged an error: a script or style blocked by the CSP, a
// hydration mismatch, an uncaught exception. Failed requests are left out: the browser
// logs one for every answer the pages expect and explain in words (400 for a wrong
// password, 401 from a session ended elsewhere, a network failure a test simulates) —
// except the silent refresh answering 400: a signed-out page must not ask for a refresh
// it knows will fail (the session hint, docs/decisions/036). A request the CSP blocks is
// logged separately ("Refused to …"), so it still counts.
const EXPECTED = [/^Failed to load resource: /];
const NEVER_EXPECTED = (text: string, url: string) => url.endsWith("/api/auth/token/refresh/") && /status of 400/.test(text);

function watchConsole(context: BrowserContext, problems: string[]): void {
  context.on("console", (message) => {
    if (message.type() !== "error") return;
    const url = message.location().url;
    if (!EXPECTED.some((pattern) => pattern.test(message.text())) || NEVER_EXPECTED(message.text(), url)) {
      problems.push(`console error on ${message.page()?.url()}: ${message.text()} (${url})`);
    }
  });
  context.on("weberror", (error) => problems.push(`uncaught: ${error.error().message}`));
}

type Fixtures = {
  context: BrowserContext;
  /**
   * Another device: a page in a browser context of its own (its own cookies, and the
   * user agent given), watched for console errors like the test's own page.
   */
  newDevice: (options?: { userAgent?: string }) => Promise<Page>;
  /**
   * Sign in through the API from a page's own browser context (the test's page unless
   * another is given), so the refresh cookie lands in that browser, then open `to`
   * (default the profile). For every test that is not about the login form, which stays
   * tested through the form (login.spec.ts and a few journeys).
   */
  login: (user: TestUser, options?: { page?: Page; to?: string }) => Promise<void>;
};

export const test = base.extend<Fixtures>({
  context: async ({ context }, use) => {
    const problems: string[] = [];
    watchConsole(context, problems);
    await use(context);
    expect(problems, "the browser console stays clean (no CSP violations, no errors)").toEqual([]);
  },
  newDevice: async ({ browser, baseURL }, use) => {
    const problems: string[] = [];
    const contexts: BrowserContext[] = [];
    await use(async ({ userAgent } = {}) => {
      const context = await browser.newContext({ baseURL, ...(userAgent ? { userAgent } : {}) });
      watchConsole(context, problems);
      contexts.push(context);
      return context.newPage();
    });
    for (const context of contexts) await context.close();
    expect(problems, "the other devices' consoles stay clean too").toEqual([]);
  },
  login: async ({ page }, use) => {
    await use((user, options = {}) => signInByApi(options.page ?? page, user, options.to));
  },
});

export { expect };
