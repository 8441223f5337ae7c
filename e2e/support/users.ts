import { randomBytes } from "node:crypto";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export type TestUser = { username: string; email: string; password: string };

/** A user no other test (or earlier run on the same database) has: names are random. */
export function newUser(label = "user"): TestUser {
  const id = randomBytes(4).toString("hex");
  return {
    username: `${label}_${id}`,
    email: `${label}.${id}@example.com`,
    password: `Correct horse ${id} battery`,
  };
}

/** Create an account through the API, as another client would, to set up a scene. */
export async function registerByApi(request: APIRequestContext, user: TestUser, baseURL?: string): Promise<void> {
  const response = await request.post(`${baseURL ?? ""}/api/auth/register/`, { data: user });
  expect(response.status(), await response.text()).toBe(201);
}

/** Sign in through the login form and wait for the profile (for tests about the form). */
export async function signIn(page: Page, user: TestUser): Promise<void> {
  await page.goto("/login/");
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/^[^?]*\/profile\/$/);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
}

/**
 * Sign in through the API from the page's browser context (the Epic Stack's `login`
 * fixture): `page.request` shares the context's cookies, so the refresh cookie lands in
 * the browser and the page restores the session on load, as after a form sign-in.
 */
export async function signInByApi(page: Page, user: TestUser, to = "/profile/"): Promise<void> {
  const response = await page.request.post("/api/auth/login/", { data: { email: user.email, password: user.password } });
  expect(response.status(), await response.text()).toBe(200);
  await page.goto(to);
  // A profile section is on screen once it has its profile: the account menu then names the user.
  if (to.startsWith("/profile/")) await expect(accountMenu(page)).toBeVisible();
}

/** The header's account menu button of the signed-in user. */
export const accountMenu = (page: Page) => page.getByRole("banner").getByRole("button", { name: /account menu/ });

/** "Log out" from the account menu in the header, then the login page says so. */
export async function logOutFromMenu(page: Page): Promise<void> {
  await accountMenu(page).click();
  await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "You are logged out." })).toBeVisible();
}
