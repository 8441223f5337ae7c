import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { newUser, registerByApi } from "./support/users";

const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

const sessionsOf = (page: Page) => page.getByRole("list", { name: "Signed-in devices" }).getByRole("listitem");
const SESSIONS = { to: "/profile/sessions/" };

/** Signed out there: its next load goes to the login form, which says the session ended. */
async function expectSignedOut(device: Page): Promise<void> {
  await device.reload();
  await expect(device).toHaveURL(/\/login\/\?next=\/profile\/sessions\/$/);
  await expect(device.getByRole("main").getByRole("status").filter({ hasText: "You were signed out" })).toBeVisible();
}

test("two devices are listed, this one marked; signing out the other ends its session", async ({ page, request, newDevice, login }) => {
  const user = newUser("devices");
  await registerByApi(request, user);
  const phone = await newDevice({ userAgent: IPHONE });
  await login(user, { page: phone, ...SESSIONS });
  await login(user, SESSIONS);

  const sessions = sessionsOf(page);
  await expect(sessions).toHaveCount(2);
  const here = sessions.filter({ hasText: "This device" });
  const there = sessions.filter({ hasText: "Safari on iOS" });
  await expect(here).toContainText("Chrome on Linux");
  await expect(here).toContainText("127.0.0.1");
  await expect(here).toContainText("Signed in");
  await expect(here).toContainText("Last active just now");
  await expect(there).not.toContainText("This device");

  // And the phone sees the same two, with itself marked.
  await phone.reload();
  await expect(sessionsOf(phone).filter({ hasText: "This device" })).toContainText("Safari on iOS");

  await there.getByRole("button", { name: "Sign out Safari on iOS" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "Signed out" })).toHaveText(
    "Signed out Safari on iOS.",
  );
  await expect(sessions).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Sessions" })).toBeFocused();
  await expect(page.getByText("You are signed in on this device only.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out all other sessions" })).toHaveCount(0);

  await expectSignedOut(phone);
  await page.reload();
  await expect(sessionsOf(page)).toHaveCount(1);
});

test("sign out all other sessions", async ({ page, request, newDevice, login }) => {
  const user = newUser("others");
  await registerByApi(request, user);
  const phone = await newDevice({ userAgent: IPHONE });
  const desktop = await newDevice({ userAgent: WINDOWS_FIREFOX });
  await login(user, { page: phone, ...SESSIONS });
  await login(user, { page: desktop, ...SESSIONS });
  await login(user, SESSIONS);

  await expect(sessionsOf(page)).toHaveCount(3);
  await expect(sessionsOf(page).filter({ hasText: "Firefox on Windows" })).toHaveCount(1);
  await page.getByRole("button", { name: "Sign out all other sessions" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "Signed out" })).toHaveText(
    "Signed out 2 other sessions.",
  );
  await expect(sessionsOf(page)).toHaveCount(1);
  await expect(sessionsOf(page)).toContainText("This device");

  await expectSignedOut(phone);
  await expectSignedOut(desktop);
  await page.reload();
  await expect(sessionsOf(page)).toHaveCount(1);
});

test("signing out this device from the list is a logout", async ({ page, request, login }) => {
  const user = newUser("self");
  await registerByApi(request, user);
  await login(user, SESSIONS);

  const here = sessionsOf(page).filter({ hasText: "This device" });
  await here.getByRole("button", { name: "Sign out of this device" }).click();
  await expect(page).toHaveURL(/\/login\/\?next=\/profile\/sessions\/$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "You are logged out." })).toBeVisible();
  await page.goto("/profile/");
  await expect(page).toHaveURL(/\/login\/\?next=\/profile\/$/);
});

test("a failing list is explained, and Try again loads it", async ({ page, request, login }) => {
  const user = newUser("flaky");
  await registerByApi(request, user);
  let fail = true;
  await page.route("**/api/auth/sessions/", (route) =>
    fail ? route.fulfill({ status: 500, json: { detail: "Internal server error" } }) : route.continue(),
  );
  await login(user, SESSIONS);
  const main = page.getByRole("main");
  await expect(main.getByRole("alert")).toContainText("We could not load your sessions.");
  fail = false;
  await main.getByRole("button", { name: "Try again" }).click();
  await expect(sessionsOf(page)).toHaveCount(1);
});
