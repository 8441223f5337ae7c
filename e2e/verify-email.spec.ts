import { expireVerificationLinks } from "./support/db";
import { expect, test } from "./support/fixtures";
import { emailedLink } from "./support/mailbox";
import { newUser, registerByApi } from "./support/users";

test("an expired link says so, and the new link (a claim: anyone may ask by address) works", async ({ page, request }) => {
  const user = newUser("expired");
  await registerByApi(request, user);
  expect(expireVerificationLinks(user.email)).toBe(1);

  await page.goto(await emailedLink(user.email, "verify", 1));
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await expect(page.getByText("invalid or has expired")).toBeVisible();

  await page.getByLabel("Email address").fill(user.email);
  await page.getByRole("button", { name: "Send a new link" }).click();
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "a new link is on its way" })).toBeVisible();

  await page.goto(await emailedLink(user.email, "claim", 1));
  await page.getByLabel("New password", { exact: true }).fill(`${user.password} again`);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("heading", { name: "Your password was changed" })).toBeVisible();
  const signedIn = await request.post("/api/auth/login/", { data: { email: user.email, password: `${user.password} again` } });
  expect((await signedIn.json()).user.email_verified).toBe(true);
});

test("a link is verified once, on arrival, and is spent afterwards", async ({ page, request, login }) => {
  const user = newUser("once");
  await registerByApi(request, user);
  await login(user);
  await expect(page.getByText("Not verified", { exact: true })).toBeVisible();

  const link = await emailedLink(user.email, "verify");
  const calls: number[] = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname === "/api/auth/verify-email/") calls.push(r.status());
  });
  await page.goto(link!);
  await expect(page.getByRole("heading", { name: "Your email is verified" })).toBeVisible();
  expect(calls).toEqual([200]);
  // Signed in: the way on is the profile, which now says verified.
  await page.getByRole("link", { name: "Go to your profile" }).click();
  await expect(page.getByText("Verified", { exact: true })).toBeVisible();

  await page.goto(link!);
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await expect(page.getByLabel("Email address")).toBeVisible();
});

test("a visit without a token offers a new link instead", async ({ page }) => {
  await page.goto("/verify-email/");
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await page.getByRole("button", { name: "Send a new link" }).click();
  await expect(page.locator("#resend-email-error")).toHaveText("This field is required.");
  await expect(page.getByLabel("Email address")).toBeFocused();
});
