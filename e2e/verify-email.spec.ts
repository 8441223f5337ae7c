import { expireVerificationLinks } from "./support/db";
import { expectAccessible } from "./support/axe";
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
  await expectAccessible(page, "a verification link that does not work");

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

test("a link opened twice: the second visit, after the first verified, says verified and offers the way on", async ({ page, request, login }) => {
  const user = newUser("twice");
  await registerByApi(request, user);
  await login(user);
  await expect(page.getByText("Not verified", { exact: true })).toBeVisible();

  const link = await emailedLink(user.email, "verify");
  const verifications: number[] = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname === "/api/auth/verify-email/") verifications.push(r.status());
  });
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Confirm your email address" })).toBeVisible();
  // Arriving changed nothing: only the button verifies.
  expect(verifications).toEqual([]);
  await page.getByRole("button", { name: "Verify my email address" }).click();
  await expect(page.getByRole("heading", { name: "Your email address is verified" })).toBeVisible();
  expect(verifications).toEqual([200]);
  // Signed in: the way on is the profile, which now says verified.
  await page.getByRole("link", { name: "Go to your profile" }).click();
  await expect(page.getByText("Verified", { exact: true })).toBeVisible();

  // The same link again (a reload of the success page, the second of two emails): verified, never "does not work".
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Your email address is verified" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Go to your profile" })).toBeVisible();
  expect(verifications).toEqual([200]);
});

test("a mail scanner opens the link first, in a browser of its own: the person's own click still verifies", async ({ page, request, browser }) => {
  const user = newUser("scanned");
  await registerByApi(request, user);
  const link = await emailedLink(user.email, "verify");

  // A scanner: a plain fetch of the page, then a real browser that runs its scripts.
  expect((await request.get(link)).status()).toBe(200);
  const scanner = await browser.newContext();
  const scanned = await scanner.newPage();
  await scanned.goto(link);
  await expect(scanned.getByRole("heading", { name: "Confirm your email address" })).toBeVisible();
  await scanner.close();
  const status = await request.post("/api/auth/verify-email/check/", { data: { token: new URL(link).searchParams.get("token") } });
  expect(await status.json()).toEqual({ state: "ready" });

  // The person clicks later, in their own browser.
  await page.goto(link);
  await page.getByRole("button", { name: "Verify my email address" }).click();
  await expect(page.getByRole("heading", { name: "Your email address is verified" })).toBeVisible();
  await page.getByRole("link", { name: "Sign in" }).click();
  const signedIn = await request.post("/api/auth/login/", { data: { email: user.email, password: user.password } });
  expect((await signedIn.json()).user.email_verified).toBe(true);
});

test("a visit without a token offers a new link instead", async ({ page }) => {
  await page.goto("/verify-email/");
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await page.getByRole("button", { name: "Send a new link" }).click();
  await expect(page.locator("#resend-email-error")).toHaveText("This field is required.");
  await expect(page.getByLabel("Email address")).toBeFocused();
});
