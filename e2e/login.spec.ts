import { SOCIAL_ERROR_MESSAGES } from "../lib/social";
import { expectAccessible } from "./support/axe";
import { expect, test } from "./support/fixtures";
import { accountMenu, logOutFromMenu, newUser, registerByApi, signIn } from "./support/users";

const BAD_CREDENTIALS = "The email address or password is incorrect.";

test("login, profile, reload stays signed in, logout, profile sends to login", async ({ page, request }) => {
  const user = newUser("login");
  await registerByApi(request, user);

  await signIn(page, user);
  const main = page.getByRole("main");
  await expect(main.getByText(user.username, { exact: true })).toBeVisible();
  await expect(main.getByText(user.email, { exact: true })).toBeVisible();
  await expect(main.getByText("Not verified", { exact: true })).toBeVisible();
  // The header's account menu names who is signed in, on every page.
  await expect(accountMenu(page)).toContainText(user.username);

  await page.reload();
  await expect(page).toHaveURL(/^[^?]*\/profile\/$/);
  await expect(main.getByText(user.username, { exact: true })).toBeVisible();

  await logOutFromMenu(page);
  await expect(page).toHaveURL(/\/login\/$/);
  await expect(accountMenu(page)).toHaveCount(0);

  // The cookie is gone server-side too: a fresh load of the profile is signed out.
  await page.goto("/profile/");
  await expect(page).toHaveURL(/\/login\/\?next=\/profile\/$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("a wrong password and an unknown email get the same generic error", async ({ page, request }) => {
  const user = newUser("wrong");
  await registerByApi(request, user);
  await page.goto("/login/");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await expectAccessible(page, "the login form");

  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill("not the password at all");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(BAD_CREDENTIALS);
  await expect(page).toHaveURL(/\/login\/$/);

  await page.getByLabel("Email address").fill(`nobody.${user.email}`);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(BAD_CREDENTIALS);
});

test("?next= is followed for paths on this site only", async ({ page, request }) => {
  const user = newUser("next");
  await registerByApi(request, user);

  await page.goto("/login/?next=/reset-password/");
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/^[^?]*\/reset-password\/$/);
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();

  // Signed in now: another login with a foreign next lands on the profile instead.
  for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example/"]) {
    await page.goto(`/login/?next=${encodeURIComponent(next)}`);
    await expect(page).toHaveURL(/^[^?]*\/profile\/$/);
  }
});

test("a signed-in visitor never sees the login form, on / or /login/", async ({ page, request, login }) => {
  const user = newUser("gate");
  await registerByApi(request, user);
  await login(user);

  // Watch every DOM change from the first byte of each page load. (The profile has
  // password inputs of its own, to change the password: the login form's is #password.)
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (document.querySelector("input#password, form[aria-label^='Sign in'], main a[href='/login/']")) {
        sessionStorage.setItem("sawLoginForm", "yes");
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto("/login/");
  await expect(page).toHaveURL(/^[^?]*\/profile\/$/);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/^[^?]*\/profile\/$/);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem("sawLoginForm"))).toBeNull();
});

test("errors from social login are explained in words", async ({ page }) => {
  await page.goto("/login/?error=access_denied");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(SOCIAL_ERROR_MESSAGES.access_denied);
  await page.goto("/login/?error=account_exists");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(SOCIAL_ERROR_MESSAGES.account_exists);
  await page.goto("/login/?error=%3Cscript%3E");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Sign-in did not complete. Please try again.");

  // Trying the password instead makes that message old news.
  await page.getByLabel("Email address").fill("nobody@example.com");
  await page.getByLabel("Password", { exact: true }).fill("not a password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(BAD_CREDENTIALS);
});

test("no provider buttons when no provider is configured", async ({ page }) => {
  await page.goto("/login/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("link", { name: /Continue with/ })).toHaveCount(0);
});

test("one button per configured provider, carrying a safe next", async ({ page }) => {
  const providers = process.env.E2E_PROVIDERS_URL!;
  await page.goto(`${providers}/login/?next=/profile/%3Ftab%3D1`);
  const google = page.getByRole("link", { name: "Continue with Google" });
  const github = page.getByRole("link", { name: "Continue with GitHub" });
  await expect(google).toHaveAttribute("href", "/api/auth/social/google/?next=%2Fprofile%2F%3Ftab%3D1");
  await expect(github).toHaveAttribute("href", "/api/auth/social/github/?next=%2Fprofile%2F%3Ftab%3D1");

  await page.goto(`${providers}/login/?next=//evil.example/`);
  await expect(github).toHaveAttribute("href", "/api/auth/social/github/?next=%2Fprofile%2F");
});

test("the keyboard alone signs in, and focus is visible on the way", async ({ page, request }) => {
  const user = newUser("keys");
  await registerByApi(request, user);
  await page.goto("/login/");
  const email = page.getByLabel("Email address");
  await expect(email).toBeVisible();

  // From the top: the logo, "Create an account", then the email field.
  for (const name of ["Gatehouse", "Create an account"]) {
    await page.keyboard.press("Tab");
    const link = page.getByRole("link", { name, exact: true });
    await expect(link).toBeFocused();
    expect(await link.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
  }
  await page.keyboard.press("Tab");
  await expect(email).toBeFocused();
  expect(await email.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
  await page.keyboard.type(user.email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
  await page.keyboard.type(user.password);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/^[^?]*\/profile\/$/);
  await expect(page.getByRole("main").getByText(user.username, { exact: true })).toBeVisible();
});
