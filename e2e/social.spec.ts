import { expect, test } from "./support/fixtures";
import { accountMenu } from "./support/users";

// "Continue with GitHub" in a real browser, through the fake provider's own page
// (e2e/fake-oauth, started by playwright.config.ts), back to the profile, signed in.
// The server with providers configured is the one that points at the fake.

test.use({ baseURL: process.env.E2E_PROVIDERS_URL });

test("sign up with GitHub, land on the profile with GitHub linked, and keep it as the last sign-in method", async ({ page }) => {
  await page.goto("/login/");
  await page.getByRole("link", { name: "Continue with GitHub" }).click();

  // The fake GitHub's consent page: pick the test user.
  await expect(page.getByRole("heading", { name: "Fake GitHub" })).toBeVisible();
  expect(new URL(page.url()).searchParams.get("code_challenge_method")).toBe("S256");
  await page.getByRole("button", { name: /Continue as octocat/ }).click();

  await expect(page).toHaveURL(`${process.env.E2E_PROVIDERS_URL}/profile/`);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByRole("main").getByText("octocat@example.test")).toBeVisible();
  // To the sign-in methods through the header's account menu.
  await accountMenu(page).click();
  await page.getByRole("banner").getByRole("link", { name: "Security" }).click();
  await expect(page).toHaveURL(`${process.env.E2E_PROVIDERS_URL}/profile/security/`);
  const github = page.getByRole("main").getByRole("listitem").filter({ hasText: "GitHub" });
  await expect(github.getByText("Linked", { exact: true })).toBeVisible();

  // No password and no other provider: GitHub is the only way in, so it stays.
  await github.getByRole("button", { name: "Unlink GitHub" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Cannot remove the last sign-in method");
  await expect(github.getByText("Linked", { exact: true })).toBeVisible();

  // A reload keeps the session (the refresh cookie the callback set).
  await page.reload();
  await expect(github.getByText("Linked", { exact: true })).toBeVisible();
});

test("Deny at the provider comes back to the login page, explained in words", async ({ page }) => {
  await page.goto("/login/");
  await page.getByRole("link", { name: "Continue with Google" }).click();
  await expect(page.getByRole("heading", { name: "Fake Google" })).toBeVisible();
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page).toHaveURL(`${process.env.E2E_PROVIDERS_URL}/login/?error=access_denied`);
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Sign-in was cancelled at the provider. Nothing was changed.");
});
