import { expectAccessible } from "./support/axe";
import { expect, test } from "./support/fixtures";
import { emailedLink, expectEmailCount } from "./support/mailbox";
import { newUser, registerByApi } from "./support/users";

test("register, open the email, click the link: verified", async ({ page }) => {
  const user = newUser("reg");
  await page.goto("/register/");
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  // The length rule is on screen before anyone submits.
  await expect(page.getByText("At least 8 characters")).toBeVisible();
  await expectAccessible(page, "the registration form");

  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Email address").fill(user.email);
  const password = page.getByLabel("Password", { exact: true });
  await password.fill(user.password);
  await expect(password).toHaveAttribute("type", "password");
  await page.getByRole("button", { name: "Show password" }).click();
  await expect(password).toHaveAttribute("type", "text");
  await page.getByRole("button", { name: "Hide password" }).click();
  await expect(password).toHaveAttribute("type", "password");
  await page.getByRole("button", { name: "Create account" }).click();

  const heading = page.getByRole("heading", { name: "Check your email" });
  await expect(heading).toBeVisible();
  await expect(heading).toBeFocused();
  await expect(page.getByText(`We sent an email to ${user.email}`)).toBeVisible();
  // A production server: no word of a development mailbox.
  await expect(page.getByText("development mailbox")).toHaveCount(0);
  await expectAccessible(page, "check your email");

  await page.goto(await emailedLink(user.email, "verify", 1));
  await expect(page).toHaveURL(/\/verify-email\/\?token=/);
  // Nothing changes until the button is pressed (mail scanners open links too).
  await page.getByRole("button", { name: "Verify my email address" }).click();
  await expect(page.getByRole("heading", { name: "Your email address is verified" })).toBeVisible();

  // Not signed in: the way on is the login form, and then the profile says verified.
  await page.getByRole("link", { name: "Sign in" }).click();
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByText("Verified", { exact: true })).toBeVisible();
});

test("resend from the check-your-email page: the address gets a claim link, which sets the password and verifies", async ({ page, request }) => {
  // Asked by address, anyone may be asking (a squatter who started the account with the
  // victim's address, say), so the new email lets the mailbox's holder set the password.
  const user = newUser("claim");
  await registerByApi(request, user);
  await page.goto("/verify-email/");
  await page.getByLabel("Email address").fill(user.email);
  await page.getByRole("button", { name: "Send a new link" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "a new link is on its way" })).toBeVisible();
  await expectEmailCount(user.email, 1, "claim");

  await page.goto(await emailedLink(user.email, "claim", 1));
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  const chosen = `${user.password} claimed`;
  await page.getByLabel("New password", { exact: true }).fill(chosen);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "Your password was changed" })).toBeVisible();

  const signedIn = await request.post("/api/auth/login/", { data: { email: user.email, password: chosen } });
  expect(signedIn.status()).toBe(200);
  expect((await signedIn.json()).user.email_verified).toBe(true);
  // The password the account was started with no longer opens it.
  expect((await request.post("/api/auth/login/", { data: { email: user.email, password: user.password } })).status()).toBe(400);
});

test("a taken username is explained beside the field", async ({ page, request }) => {
  const first = newUser("dup");
  await registerByApi(request, first);
  const second = { ...newUser("dup"), username: first.username.toUpperCase() };

  await page.goto("/register/");
  await page.getByLabel("Username").fill(second.username);
  await page.getByLabel("Email address").fill(second.email);
  await page.getByLabel("Password", { exact: true }).fill(second.password);
  await page.getByRole("button", { name: "Create account" }).click();

  const username = page.getByLabel("Username");
  await expect(page.locator("#username-error")).toHaveText("A user with that username already exists.");
  await expect(username).toHaveAttribute("aria-invalid", "true");
  await expect(username).toHaveAttribute("aria-describedby", /username-error/);
  await expect(username).toBeFocused();
  await expect(page.getByLabel("Email address")).not.toHaveAttribute("aria-invalid", "true");
});

test("the API's password verdict is shown beside the password", async ({ page }) => {
  const user = newUser("weak");
  await page.goto("/register/");
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill("baseball");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#password-error")).toHaveText("This password is too common.");
  await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
});

test("the form checks its input before sending anything", async ({ page }) => {
  let sent = 0;
  await page.route("**/api/auth/register/", (route) => {
    sent += 1;
    return route.continue();
  });
  await page.goto("/register/");
  await page.getByLabel("Username").fill("has space");
  await page.getByLabel("Email address").fill("not-an-address");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();

  // What is wrong with what was typed, not the hint again in the framework's words.
  await expect(page.locator("#username-error")).toHaveText("A username cannot contain spaces.");
  await expect(page.locator("#email-error")).toHaveText("Enter a valid email address.");
  await expect(page.locator("#password-error")).toHaveText("That is 5 characters; it needs at least 8.");
  await expect(page.getByLabel("Username")).toBeFocused();
  expect(sent).toBe(0);
});

test("busy while submitting, then the limit's message and the network failure in words", async ({ page }) => {
  const user = newUser("busy");
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let call = 0;
  await page.route("**/api/auth/register/", async (route) => {
    call += 1;
    if (call === 1) {
      await held;
      return route.fulfill({
        status: 429,
        headers: { "Retry-After": "42" },
        json: { detail: "Too many requests. Try again in 42 seconds." },
      });
    }
    return route.abort("connectionrefused");
  });

  await page.goto("/register/");
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();

  const busy = page.getByRole("button", { name: "Creating account…" });
  await expect(busy).toBeVisible();
  await expect(busy).toBeDisabled();
  release();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Too many requests. Try again in 42 seconds.");
  await expect(page.getByRole("button", { name: "Create account" })).toBeEnabled();

  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Could not reach the server. Check your connection and try again.");
});
