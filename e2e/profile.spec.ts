import { SOCIAL_ERROR_MESSAGES } from "../lib/social";
import { linkProviderAccount, markEmailVerified } from "./support/db";
import { expectAccessible } from "./support/axe";
import { expect, test } from "./support/fixtures";
import { expectEmailCount } from "./support/mailbox";
import { accountMenu, newUser, registerByApi } from "./support/users";

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
  await expect(page.getByRole("main").getByText(user.username, { exact: true })).toBeVisible();
});

test("without providers configured, the security section shows none (no word of the server's setup); link errors are explained there", async ({ page, request, login }) => {
  const user = newUser("noprov");
  await registerByApi(request, user);
  await login(user, { to: "/profile/security/" });
  await expect(page.getByRole("heading", { name: "Sign-in and security" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Password", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Linked accounts" })).toHaveCount(0);
  await expect(page.getByText(/this server/i)).toHaveCount(0);

  // A failed link comes back to /profile/?error= (docs/api.md), and is explained where linking is.
  await page.goto("/profile/?error=already_linked");
  await expect(page).toHaveURL(/\/profile\/security\/\?error=already_linked$/);
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(SOCIAL_ERROR_MESSAGES.already_linked);
});

test("each section has its own address, reached from the navigation, the account menu or typed in", async ({ page, request, login }) => {
  const user = newUser("sections");
  await registerByApi(request, user);
  await login(user);
  const nav = page.getByRole("navigation", { name: "Your profile" });
  for (const [label, path, heading] of [
    ["Security", "/profile/security/", "Sign-in and security"],
    ["Sessions", "/profile/sessions/", "Sessions"],
    ["Activity", "/profile/activity/", "Security activity"],
    ["Account", "/profile/", "Your account"],
  ] as const) {
    await nav.getByRole("link", { name: label, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${path.replace(/\//g, "\\/")}$`));
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await expect(nav.getByRole("link", { name: label, exact: true })).toHaveAttribute("aria-current", "page");
  }
  await expect(page).toHaveTitle("Your account · Gatehouse");
  await page.goto("/profile/activity/");
  await expect(page).toHaveTitle("Security activity · Gatehouse");
  // An unknown section says so, not an empty frame. (Its status is 200: the root layout
  // has begun streaming when the page calls notFound().)
  await page.goto("/profile/nothing-here/");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();

  // The account menu: opens on click, closes on Escape with focus back on its button.
  await page.goto("/profile/sessions/");
  const menu = accountMenu(page);
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("banner").getByText(user.email)).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();
});

test("the activity is paged, ten at a time, each page its own URL", async ({ page, request, login }) => {
  const user = newUser("paged");
  await registerByApi(request, user);
  // Twelve sign-ins through the API, and the browser's own: thirteen events.
  for (let i = 0; i < 12; i++) expect((await request.post("/api/auth/login/", { data: { email: user.email, password: user.password } })).status()).toBe(200);
  await login(user, { to: "/profile/activity/" });
  const events = page.getByRole("list", { name: "Security events, newest first" }).getByRole("listitem");
  await expect(events).toHaveCount(10);
  const pages = page.getByRole("navigation", { name: "Pages of activity" });
  await expect(pages.getByRole("link", { name: "Newer" })).toHaveCount(0);
  await pages.getByRole("link", { name: "Older" }).click();
  await expect(page).toHaveURL(/\/profile\/activity\/\?before=/);
  await expect(events).toHaveCount(3);
  await expect(pages.getByRole("link", { name: "Older" })).toHaveCount(0);
  // The page of its own URL, reloaded, is the same page; then back to the newest.
  await page.reload();
  await expect(events).toHaveCount(3);
  await pages.getByRole("link", { name: "Newer" }).click();
  await expect(events).toHaveCount(10);
  await expect(pages.getByRole("link", { name: "Newer" })).toHaveCount(0);
});

test.describe("with providers configured", () => {
  test.use({ baseURL: process.env.E2E_PROVIDERS_URL });

  test("an unverified account is told to confirm its address before it can link a provider", async ({ page, request, login }) => {
    const user = newUser("unverified");
    await registerByApi(request, user);
    await login(user, { to: "/profile/security/" });
    await expect(page.getByText("Confirm your email address first (use the link we emailed you): then you can link Google or GitHub.")).toBeVisible();
    const google = page.getByRole("listitem").filter({ hasText: "Google" });
    await expect(google.getByText("Not linked")).toBeVisible();
    await expect(google.getByRole("link", { name: "Link Google" })).toHaveCount(0);
  });

  test("link a provider, unlink one, and hear why the last one stays", async ({ page, request, login }) => {
    const user = newUser("prov");
    await registerByApi(request, user);
    markEmailVerified(user.email, "providers");
    linkProviderAccount({ email: user.email, provider: "github" });
    await login(user, { to: "/profile/security/" });

    const google = page.getByRole("main").getByRole("listitem").filter({ hasText: "Google" });
    const github = page.getByRole("main").getByRole("listitem").filter({ hasText: "GitHub" });
    await expect(google.getByText("Not linked")).toBeVisible();
    // Back to this section once the provider agreed.
    await expect(google.getByRole("link", { name: "Link Google" })).toHaveAttribute(
      "href",
      "/api/auth/social/google/?intent=link&next=%2Fprofile%2Fsecurity%2F",
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
    await login(user, { to: "/profile/security/" });
    // Now make it an account that only GitHub can open (the session stays valid).
    linkProviderAccount({ email: user.email, provider: "github", withoutPassword: true });
    await page.reload();

    const github = page.getByRole("main").getByRole("listitem").filter({ hasText: "GitHub" });
    await github.getByRole("button", { name: "Unlink GitHub" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Cannot remove the last sign-in method");
    await expect(github.getByText("Linked", { exact: true })).toBeVisible();
  });
});
