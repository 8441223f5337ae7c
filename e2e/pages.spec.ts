import AxeBuilder from "@axe-core/playwright";
import type { Page, TestInfo } from "@playwright/test";
import { linkProviderAccount } from "./support/db";
import { expect, test } from "./support/fixtures";
import { openLatestEmail, resetLink, verificationLink } from "./support/mailbox";
import { newUser, registerByApi, signIn } from "./support/users";

// Every screen, in light and dark, at a phone's width and a desktop's: no serious or
// critical accessibility violation (axe), and a screenshot of each kept with the test's
// output (test-results/) for a person to look at.

const WIDTHS = [360, 1280] as const;
const SCHEMES = ["light", "dark"] as const;

async function checkScreen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      const results = await new AxeBuilder({ page })
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
        .analyze();
      const serious = results.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      expect(serious, `${name}, ${colorScheme}, ${width}px`).toEqual([]);

      const file = testInfo.outputPath(`${name}-${colorScheme}-${width}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
      await testInfo.attach(`${name}-${colorScheme}-${width}`, { path: file, contentType: "image/png" });
    }
  }
}

test("start page", async ({ page }, testInfo) => {
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Create an account" })).toBeVisible();
  await checkScreen(page, testInfo, "home");
});

test("register: empty, with errors, and done", async ({ page, request }, testInfo) => {
  await page.goto("/register/");
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await checkScreen(page, testInfo, "register");

  const taken = newUser("shot");
  await registerByApi(request, taken);
  await page.getByLabel("Username").fill(taken.username);
  await page.getByLabel("Email address").fill("not an address");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#password-error")).toBeVisible();
  await checkScreen(page, testInfo, "register-errors");

  const user = newUser("shot");
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await checkScreen(page, testInfo, "register-done");
});

test("login: plain, and with errors", async ({ page }, testInfo) => {
  await page.goto("/login/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await checkScreen(page, testInfo, "login");

  await page.goto("/login/?error=state_mismatch");
  await expect(page.getByText("That sign-in link was not started from this browser")).toBeVisible();
  await checkScreen(page, testInfo, "login-social-error");

  await page.getByLabel("Email address").fill("nobody@example.com");
  await page.getByLabel("Password", { exact: true }).fill("wrong password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("The email address or password is incorrect.")).toBeVisible();
  await checkScreen(page, testInfo, "login-bad-credentials");
});

test("verify email: success and failure", async ({ page, request }, testInfo) => {
  const user = newUser("shot");
  await registerByApi(request, user);
  await openLatestEmail(page, user.email);
  await verificationLink(page).click();
  await expect(page.getByRole("heading", { name: "Your email is verified" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await checkScreen(page, testInfo, "verify-success");

  await page.reload();
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await checkScreen(page, testInfo, "verify-failure");
});

test("reset password: ask, sent, choose, done, and a spent link", async ({ page, request }, testInfo) => {
  const user = newUser("shot");
  await registerByApi(request, user);
  await page.goto("/reset-password/");
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await checkScreen(page, testInfo, "reset-request");

  await page.getByLabel("Email address").fill(user.email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await checkScreen(page, testInfo, "reset-sent");

  await openLatestEmail(page, user.email, "Reset your password");
  const link = (await resetLink(page).getAttribute("href"))!;
  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.locator("#new-password-error")).toBeVisible();
  await checkScreen(page, testInfo, "reset-choose-errors");

  await page.getByLabel("New password", { exact: true }).fill(`${user.password} anew`);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "Your password was changed" })).toBeVisible();
  await checkScreen(page, testInfo, "reset-done");

  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill(`${user.password} again`);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await checkScreen(page, testInfo, "reset-invalid");
});

test("profile, unverified, two sessions; then a refused password change", async ({ page, request }, testInfo) => {
  const user = newUser("shot");
  await registerByApi(request, user);
  // Another device, signed in through the API as an external client would be.
  const other = await request.post("/api/auth/login/", {
    data: { email: user.email, password: user.password },
    headers: { "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0" },
  });
  expect(other.status()).toBe(200);
  await signIn(page, user);
  await expect(page.getByText("Not verified", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out all other sessions" })).toBeVisible();
  await checkScreen(page, testInfo, "profile");

  await page.getByLabel("Current password").fill("not the password");
  await page.getByLabel("New password", { exact: true }).fill(`${user.password} changed`);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#current-password-error")).toHaveText("Incorrect password");
  await checkScreen(page, testInfo, "profile-password-error");
});

test.describe("with providers configured", () => {
  test.use({ baseURL: process.env.E2E_PROVIDERS_URL });

  test("login and profile", async ({ page, request }, testInfo) => {
    await page.goto("/login/");
    await expect(page.getByRole("link", { name: "Continue with GitHub" })).toBeVisible();
    await checkScreen(page, testInfo, "login-providers");

    const user = newUser("shot");
    await registerByApi(request, user);
    linkProviderAccount({ email: user.email, provider: "github" });
    await signIn(page, user);
    await expect(page.getByRole("button", { name: "Unlink GitHub" })).toBeVisible();
    await checkScreen(page, testInfo, "profile-providers");
  });
});

test("page not found", async ({ page }, testInfo) => {
  const response = await page.goto("/no-such-page/");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await checkScreen(page, testInfo, "not-found");
});
