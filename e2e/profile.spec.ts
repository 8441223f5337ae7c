import { SOCIAL_ERROR_MESSAGES } from "../lib/social";
import { linkProviderAccount, markEmailVerified } from "./support/db";
import { expectAccessible } from "./support/axe";
import { expect, test } from "./support/fixtures";
import { expectEmailCount } from "./support/mailbox";
import { newUser, registerByApi } from "./support/users";

test("an unverified address gets a badge and a resend button", async ({ page, request, login }) => {
  const user = newUser("badge");
  await registerByApi(request, user);
  await login(user);
  await expect(page.getByText("Not verified", { exact: true })).toBeVisible();
  await expectAccessible(page, "the profile");

  await page.getByRole("button", { name: "Resend verification email" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: `We sent a new verification link to ${user.email}.` })).toBeVisible();
  await expectEmailCount(user.email, 2, "verify");
});

test("a signed-out visitor is sent to the login form, and back after signing in", async ({ page, request }) => {
  const user = newUser("back");
  await registerByApi(request, user);
  await page.goto("/profile/");
  await expect(page).toHaveURL(/\/login\/\?next=\/profile\/$/);
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/^[^?]*\/profile\/$/);
  await expect(page.getByText(user.username, { exact: true })).toBeVisible();
});

test("without providers configured, the profile says so; link errors are explained", async ({ page, request, login }) => {
  const user = newUser("noprov");
  await registerByApi(request, user);
  await login(user);
  await expect(page.getByText("This server does not offer sign-in with Google or GitHub.")).toBeVisible();

  await page.goto("/profile/?error=already_linked");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(SOCIAL_ERROR_MESSAGES.already_linked);
});

test.describe("with providers configured", () => {
  test.use({ baseURL: process.env.E2E_PROVIDERS_URL });

  test("an unverified account is told to confirm its address before it can link a provider", async ({ page, request, login }) => {
    const user = newUser("unverified");
    await registerByApi(request, user);
    await login(user);
    await expect(page.getByText("Confirm your email address first (use the link we emailed you): then you can link Google or GitHub.")).toBeVisible();
    const google = page.getByRole("listitem").filter({ hasText: "Google" });
    await expect(google.getByText("After verification")).toBeVisible();
    await expect(google.getByRole("link", { name: "Link Google" })).toHaveCount(0);
  });

  test("link a provider, unlink one, and hear why the last one stays", async ({ page, request, login }) => {
    const user = newUser("prov");
    await registerByApi(request, user);
    markEmailVerified(user.email, "providers");
    linkProviderAccount({ email: user.email, provider: "github" });
    await login(user);

    const google = page.getByRole("listitem").filter({ hasText: "Google" });
    const github = page.getByRole("listitem").filter({ hasText: "GitHub" });
    await expect(google.getByText("Not linked")).toBeVisible();
    await expect(google.getByRole("link", { name: "Link Google" })).toHaveAttribute(
      "href",
      "/api/auth/social/google/?intent=link",
    );
    await expect(github.getByText("Linked", { exact: true })).toBeVisible();

    // This user has a password, so GitHub may go.
    await github.getByRole("button", { name: "Unlink GitHub" }).click();
    await expect(page.getByRole("main").getByRole("status").filter({ hasText: "GitHub is no longer linked" })).toBeVisible();
    await expect(github.getByRole("link", { name: "Link GitHub" })).toBeVisible();
  });

  test("the last way to sign in cannot be unlinked, and the page says why", async ({ page, request, login }) => {
    const user = newUser("last");
    await registerByApi(request, user);
    await login(user);
    // Now make it an account that only GitHub can open (the session stays valid).
    linkProviderAccount({ email: user.email, provider: "github", withoutPassword: true });
    await page.reload();

    const github = page.getByRole("listitem").filter({ hasText: "GitHub" });
    await github.getByRole("button", { name: "Unlink GitHub" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Cannot remove the last sign-in method");
    await expect(github.getByText("Linked", { exact: true })).toBeVisible();
  });
});
