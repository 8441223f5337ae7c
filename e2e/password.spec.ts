import type { Page } from "@playwright/test";
import { expireResetLinks } from "./support/db";
import { expectAccessible } from "./support/axe";
import { expect, test } from "./support/fixtures";
import { emailedLink } from "./support/mailbox";
import { newUser, registerByApi, type TestUser } from "./support/users";

const BAD_CREDENTIALS = "The email address or password is incorrect.";
const CONFIRM = "/api/auth/password/reset/confirm/";

/** Statuses of the reset confirmations a page sends from now on. */
function watchConfirmations(page: Page): number[] {
  const statuses: number[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === CONFIRM) statuses.push(response.status());
  });
  return statuses;
}

/** Ask for a reset link by API (this user's first) and return the emailed link. */
async function mailedResetLink(page: Page, user: TestUser): Promise<string> {
  const response = await page.request.post("/api/auth/password/reset/", { data: { email: user.email } });
  expect(response.status()).toBe(202);
  return emailedLink(user.email, "reset", 1);
}

async function tryLogin(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login/");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test("forgot password: the emailed link sets a new password and signs out every device", async ({ page, request, newDevice, login }) => {
  const user = newUser("forgot");
  await registerByApi(request, user);
  const laptop = await newDevice();
  await login(user, { page: laptop });

  await page.goto("/login/");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/reset-password\/$/);
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await expectAccessible(page, "forgot your password");
  await page.getByLabel("Email address").fill(`  ${user.email} `);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeFocused();
  await expect(page.getByRole("main")).toContainText(`If ${user.email} belongs to an account here`);

  const link = await emailedLink(user.email, "reset", 1);
  const confirmations = watchConfirmations(page);
  const response = await page.goto(link);
  // The token page sends no Referer anywhere, and spends nothing until the form is sent.
  expect(response?.headers()["referrer-policy"]).toBe("no-referrer");
  await expect(page.locator('meta[name="referrer"]')).toHaveAttribute("content", "no-referrer");
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await expect(page.getByText("At least 8 characters")).toBeVisible();
  // The account's address from the link, for password managers, in a field nobody sees.
  await expect(page.locator('form input[autocomplete="username"]')).toHaveValue(user.email);
  await expect(page.locator('form input[autocomplete="username"]')).toBeHidden();
  expect(confirmations).toEqual([]);
  await expectAccessible(page, "choose a new password");

  // Too short is caught here; too common only the server knows. The token survives both.
  const password = page.getByLabel("New password", { exact: true });
  await password.fill("short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.locator("#new-password-error")).toHaveText("That is 5 characters; it needs at least 8.");
  await expect(password).toBeFocused();
  expect(confirmations).toEqual([]);
  await password.fill("qwertyuiop");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.locator("#new-password-error")).toHaveText("This password is too common.");
  expect(confirmations).toEqual([400]);

  const newPassword = `${user.password} renewed`;
  await password.fill(newPassword);
  await page.getByRole("button", { name: "Show password" }).click();
  await expect(password).toHaveAttribute("type", "text");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "Your password was changed" })).toBeFocused();
  await expect(page.getByText("every session of your account was signed out")).toBeVisible();
  expect(confirmations).toEqual([400, 200]);

  await page.getByRole("link", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await tryLogin(page, user.email, user.password);
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(BAD_CREDENTIALS);
  await login({ ...user, password: newPassword });
  // The link proved the address.
  await expect(page.getByText("Verified", { exact: true })).toBeVisible();

  // The laptop's session ended with the reset: its next load finds itself signed out.
  await laptop.reload();
  await expect(laptop).toHaveURL(/\/login\/\?next=\/profile\/$/);
});

test("a used or expired link says so and offers a new one", async ({ page, request }) => {
  const user = newUser("spent");
  await registerByApi(request, user);
  const link = await mailedResetLink(page, user);
  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill(`${user.password} once`);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "Your password was changed" })).toBeVisible();

  // Used: the page says so on arrival, before anyone types a password. (From elsewhere, as
  // from a mail client: the same URL again, fragment and all, would not load the page anew.)
  await page.goto("/");
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "This link was already used" })).toBeFocused();
  await expect(page.getByLabel("New password", { exact: true })).toHaveCount(0);
  await page.getByLabel("Email address").fill(user.email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();

  // Expired: the second link, an hour too late, says so on arrival too.
  const fresh = await emailedLink(user.email, "reset", 2);
  expect(fresh).not.toBe(link);
  expect(expireResetLinks(user.email)).toBe(1);
  await page.goto(fresh!);
  await expect(page.getByRole("heading", { name: "This link has expired" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Send reset link" })).toBeVisible();

  // A token that cannot be one (cut short when copied) is refused on arrival, without a request.
  const confirmations = watchConfirmations(page);
  await page.goto("/reset-password/?token=abc");
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  expect(confirmations).toEqual([]);
});

test("change the password from the profile: this device stays, the others are signed out", async ({ page, request, newDevice, login }) => {
  const user = newUser("change");
  await registerByApi(request, user);
  const phone = await newDevice();
  await login(user, { page: phone });
  await login(user, { to: "/profile/security/" });

  const current = page.getByLabel("Current password");
  const next = page.getByLabel("New password", { exact: true });
  const change = page.getByRole("button", { name: "Change password" });
  await expect(page.getByRole("heading", { name: "Password", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Reset it by email" })).toHaveAttribute("href", "/reset-password/");

  // Checked here first: nothing is sent.
  await change.click();
  await expect(page.locator("#current-password-error")).toHaveText("This field is required.");
  await expect(page.locator("#new-password-error")).toHaveText("This field is required.");
  await expect(current).toBeFocused();
  await expect(page.locator('form[aria-label="Change your password"] input[autocomplete="username"]')).toHaveValue(user.email);

  // Too short, said in the page's words: how long it is, not the hint again.
  await next.fill("short");
  await change.click();
  await expect(page.locator("#new-password-error")).toHaveText("That is 5 characters; it needs at least 8.");
  await next.fill("");

  // The API's answer, beside the field it is about.
  await current.fill("not my password at all");
  await next.fill(`${user.password} changed`);
  await change.click();
  await expect(page.locator("#current-password-error")).toHaveText("Incorrect password");
  await expect(current).toBeFocused();
  await expect(current).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#new-password-error")).toHaveCount(0);

  await current.fill(user.password);
  await next.fill(user.username);
  await change.click();
  await expect(page.locator("#new-password-error")).toContainText("username");
  await expect(next).toBeFocused();

  const newPassword = `${user.password} changed`;
  await next.fill(newPassword);
  await change.click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "Password changed." })).toHaveText(
    "Password changed. Other sessions were signed out.",
  );
  await expect(current).toHaveValue("");
  await expect(next).toHaveValue("");

  // This device stays signed in; the phone is signed out at its next load.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Sign-in and security" })).toBeVisible();
  await expect(page.getByRole("banner").getByRole("button", { name: /account menu/ })).toContainText(user.username);
  await phone.reload();
  await expect(phone).toHaveURL(/\/login\/\?next=\/profile\/$/);
  await tryLogin(phone, user.email, user.password);
  await expect(phone.getByRole("main").getByRole("alert")).toHaveText(BAD_CREDENTIALS);
  await login({ ...user, password: newPassword }, { page: phone });
});

test("the login form: Forgot password? comes after the password field and before the button", async ({ page }) => {
  await page.goto("/login/");
  await page.getByLabel("Password", { exact: true }).focus();
  for (const target of [
    page.getByRole("button", { name: "Show password" }),
    page.getByRole("link", { name: "Forgot password?" }),
    page.getByRole("button", { name: "Sign in", exact: true }),
  ]) {
    await page.keyboard.press("Tab");
    await expect(target).toBeFocused();
  }
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
});
