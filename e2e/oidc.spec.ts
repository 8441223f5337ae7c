import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { expectAccessible } from "./support/axe";
import { markEmailVerified } from "./support/db";
import { expect, test } from "./support/fixtures";
import { newUser, registerByApi, type TestUser } from "./support/users";

// Sign in with Gatehouse (docs/oidc.md), as a person meets it: a second, real app
// (e2e/rp-app: Next.js with Auth.js, configured with Gatehouse's issuer, a client id and a
// secret) sends them to Gatehouse's own pages, which sign them in with a password (and the
// consent page asks once), then with a password and a TOTP code; the app signs them out
// through RP-initiated logout, which ends the Gatehouse session too; and when it asks for a
// fresh sign-in (prompt=login), the person confirms it is them at Gatehouse.

const RP = process.env.E2E_RP_URL!;

/** Back at the app: Gatehouse's own pages say "Signed in as" too (the consent page, the account menu). */
const atTheApp = (url: URL) => url.origin === new URL(RP).origin;

const codeAt = (key: string, offsetSteps = 0) =>
  generateHOTP(decodeBase32IgnorePadding(key), BigInt(Math.floor(Date.now() / 30_000) + offsetSteps), 6);

test("a second app signs a person in through Gatehouse with a password, then with TOTP, and signs out through Gatehouse", async ({ page, request }) => {
  const user: TestUser = newUser("wiki");
  await registerByApi(request, user);

  // 1. With a password. The app's button leads to Gatehouse's sign-in page, which names the app.
  await page.goto(`${RP}/`);
  await expect(page.getByText("Not signed in.")).toBeVisible();
  await page.getByRole("button", { name: "Sign in with Gatehouse" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByText("to continue to Team Wiki")).toBeVisible();
  await expectAccessible(page, "the sign-in page naming the app");
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // A third-party app: the consent page asks, in words, once.
  await expect(page.getByRole("heading", { name: "Allow Team Wiki to use your Gatehouse account?" })).toBeVisible();
  await expect(page.getByText("your email address and whether it is verified")).toBeVisible();
  await expectAccessible(page, "the consent page");
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL(atTheApp);
  await expect(page.getByText(`Signed in as ${user.username}`)).toBeVisible();
  await expect(page.getByText(`(${user.email})`)).toBeVisible();

  // 2. Signing out of the app signs out of Gatehouse too (RP-initiated logout).
  await page.getByRole("link", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign out of Gatehouse?" })).toBeVisible();
  await expect(page.getByText("Team Wiki asked to sign you out.")).toBeVisible();
  await expectAccessible(page, "the provider's sign-out question");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(`${RP}/?state=signed-out`);
  await expect(page.getByText("You are signed out.")).toBeVisible();
  await page.goto("/profile/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  // 3. With two-step verification on (set up through the API: the profile's own journey is
  // e2e/two-step.spec.ts), the app's sign-in asks for the code after the password.
  markEmailVerified(user.email);
  const login = await request.post("/api/auth/login/", { data: { email: user.email, password: user.password } });
  const bearer = { authorization: `Bearer ${(await login.json()).access}` };
  const setup = await request.post("/api/auth/mfa/totp/setup/", { headers: bearer });
  expect(setup.status()).toBe(200);
  const { secret } = await setup.json();
  expect((await request.post("/api/auth/mfa/totp/confirm/", { headers: bearer, data: { code: codeAt(secret, -1) } })).status()).toBe(200);

  await page.goto(`${RP}/`);
  await page.getByRole("button", { name: "Sign in with Gatehouse" }).click();
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  // Each step is accepted once: confirming spent the one before this (drift allows one
  // step either way), and step 4 takes the one after.
  await page.getByLabel("Code from your authenticator app").fill(codeAt(secret));
  await page.getByRole("button", { name: "Verify" }).click();
  // The consent is remembered: straight back to the app, signed in.
  await page.waitForURL(atTheApp);
  await expect(page.getByText(`Signed in as ${user.username}`)).toBeVisible();

  // 4. The app asks for a fresh sign-in (prompt=login): signed in at Gatehouse already, the
  // person confirms it is them there, with the strongest factor the account has (the code,
  // not the password: decision 019), and is back at once.
  await page.getByRole("button", { name: "Confirm it is me" }).click();
  await expect(page.getByRole("heading", { name: "Sign in again" })).toBeVisible();
  await expect(page.getByText("Team Wiki asks you to sign in again.")).toBeVisible();
  await expect(page.getByLabel("Password", { exact: true })).toHaveCount(0);
  await expectAccessible(page, "the fresh sign-in an app asked for");
  await page.getByLabel("Code from your authenticator app").fill(codeAt(secret, 1));
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.waitForURL(atTheApp);
  await expect(page.getByText(`Signed in as ${user.username}`)).toBeVisible();

  // 5. Back at Gatehouse, the profile's Apps section lists the app and takes its access back.
  await page.goto("/profile/");
  await page.getByRole("navigation", { name: "Your profile" }).getByRole("link", { name: "Apps" }).click();
  await expect(page).toHaveURL(/\/profile\/apps\/$/);
  await expect(page.getByRole("heading", { name: "Apps with access" })).toBeVisible();
  await page.getByRole("button", { name: "Remove access for Team Wiki" }).click();
  await expect(page.getByText("Team Wiki no longer has access to your account.")).toBeVisible();
  await expect(page.getByText("No apps have access.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Apps with access" })).toBeFocused();
});
