import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { logOutFromMenu, newUser, registerByApi } from "./support/users";

const REFRESH = "/api/auth/token/refresh/";

/** The refresh calls a page starts from now on, as they go out (before any answer). */
function watchRefreshRequests(page: Page): string[] {
  const started: string[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === REFRESH) started.push(request.method());
  });
  return started;
}

/** Statuses of the refresh calls a page makes from now on. */
function watchRefreshes(page: Page): number[] {
  const statuses: number[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === REFRESH) statuses.push(response.status());
  });
  return statuses;
}

test("two tabs refreshing at once both stay signed in", async ({ page, context, request, login }) => {
  const user = newUser("tabs");
  await registerByApi(request, user);
  await login(user);
  await page.close();

  const [a, b] = await Promise.all([context.newPage(), context.newPage()]);
  const refreshesA = watchRefreshes(a);
  const refreshesB = watchRefreshes(b);
  // Both restore from the same cookie at the same moment: one rotates it, the other
  // lands in the server's reuse grace window.
  await Promise.all([a.goto("/profile/"), b.goto("/profile/")]);
  for (const tab of [a, b]) await expect(tab.getByRole("main").getByText(user.username, { exact: true })).toBeVisible();

  await Promise.all([a.reload(), b.reload()]);
  for (const tab of [a, b]) {
    await expect(tab).toHaveURL(/^[^?]*\/profile\/$/);
    await expect(tab.getByRole("main").getByText(user.username, { exact: true })).toBeVisible();
  }
  expect([...refreshesA, ...refreshesB]).toEqual([200, 200, 200, 200]);
});

test("logging out in one tab signs out the other", async ({ page, context, request, login }) => {
  const user = newUser("bye");
  await registerByApi(request, user);
  await login(user);
  const other = await context.newPage();
  await other.goto("/profile/");
  await expect(other.getByRole("main").getByText(user.username, { exact: true })).toBeVisible();

  await logOutFromMenu(page);
  // Nobody touches the other tab: it hears of the logout, leaves the profile, and says why.
  await expect(other).toHaveURL(/\/login\/\?next=/);
  await expect(other.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(other.getByRole("main").getByRole("status").filter({ hasText: "You are logged out." })).toBeVisible();
  await other.goto("/profile/");
  await expect(other).toHaveURL(/\/login\/\?next=/);
});

test("the access token stays in memory and the refresh token out of scripts' reach", async ({ page, context, request, login }) => {
  const user = newUser("mem");
  await registerByApi(request, user);
  await login(user);

  const stored = await page.evaluate(() => ({
    cookie: document.cookie,
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
  }));
  // Scripts see the session hint only (docs/decisions/036): "a session exists", no secret.
  expect(stored).toEqual({ cookie: "has_session=1", local: 0, session: 0 });
  const cookies = await context.cookies();
  // The device cookie (decision 025) is out of scripts' reach too; the hint is the one they see.
  expect(cookies.map(({ name, httpOnly, path, sameSite }) => ({ name, httpOnly, path, sameSite })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
    { name: "device_token", httpOnly: true, path: "/api/auth/", sameSite: "Lax" },
    { name: "has_session", httpOnly: false, path: "/", sameSite: "Lax" },
    { name: "refresh_token", httpOnly: true, path: "/api/auth/", sameSite: "Lax" },
  ]);
});

test("one refresh restores the session on load, and one more follows a 401", async ({ page, request, login }) => {
  const user = newUser("401");
  await registerByApi(request, user);
  await login(user);

  const refreshes = watchRefreshes(page);
  await page.reload();
  await expect(page.getByRole("main").getByText(user.username, { exact: true })).toBeVisible();
  expect(refreshes).toEqual([200]);

  // The profile's first call is refused as if its token had expired: the page refreshes
  // once, calls again, and the visitor notices nothing.
  let refused = false;
  await page.route("**/api/auth/me/", (route) => {
    if (refused) return route.continue();
    refused = true;
    return route.fulfill({
      status: 401,
      json: { detail: "Given token not valid for any token type", code: "token_not_valid" },
    });
  });
  refreshes.length = 0;
  await page.reload();
  await expect(page.getByRole("main").getByText(user.username, { exact: true })).toBeVisible();
  expect(refused).toBe(true);
  expect(refreshes).toEqual([200, 200]);
});

test("the token is refreshed shortly before it expires", async ({ page, request, login }) => {
  const user = newUser("clock");
  await registerByApi(request, user);
  await page.clock.install();
  await login(user);
  const started = watchRefreshRequests(page);

  // Access tokens live 15 minutes (ACCESS_TOKEN_TTL); the refresh comes a minute early.
  // fastForward runs every timer due in the 13 minutes; a refresh one of them started went
  // out before a request the page makes after it, whose answer is the barrier here.
  await page.clock.fastForward("13:00");
  expect(await page.evaluate(() => fetch("/api/health/").then((r) => r.status))).toBe(200);
  expect(started).toEqual([]);
  const refreshed = page.waitForResponse((r) => new URL(r.url()).pathname === REFRESH);
  await page.clock.fastForward("01:30");
  expect((await refreshed).status()).toBe(200);

  // And the new token works: the resend button calls the API with it.
  await page.getByRole("button", { name: "Resend verification email" }).click();
  await expect(page.getByText(`We sent a new verification link to ${user.email}.`)).toBeVisible();
});

test("a signed-out page asks for no refresh, and a session ended from another device is said so on the login page", async ({ page, request, login, newDevice }) => {
  // Signed out: no hint, no refresh call, so no failed request in the console (the
  // fixture fails the test on a refresh answering 400).
  const refreshes = watchRefreshes(page);
  await page.goto("/login/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/register/");
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  expect(refreshes).toEqual([]);

  const user = newUser("elsewhere");
  await registerByApi(request, user);
  await login(user, { to: "/profile/sessions/" });
  const phone = await newDevice({ userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1" });
  await login(user, { page: phone, to: "/profile/sessions/" });
  // The phone signs out every other session; this page finds out at its next call.
  await phone.getByRole("button", { name: "Sign out all other sessions" }).click();
  await expect(phone.getByText("Signed out 1 other session.")).toBeVisible();
  await page.reload();
  await expect(page).toHaveURL(/\/login\/\?next=\/profile\/sessions\/$/);
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "You were signed out: your session was ended from another device" })).toBeVisible();
});
