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

/** Sign in through the login form and wait for the profile. */
export async function signIn(page: Page, user: TestUser): Promise<void> {
  await page.goto("/login/");
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/^[^?]*\/profile\/$/);
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
}
