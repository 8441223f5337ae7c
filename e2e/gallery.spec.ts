import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import type { APIRequestContext, Page, TestInfo } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { seriousViolations } from "./support/axe";
import { grantAdmin, linkProviderAccount, markEmailVerified } from "./support/db";
import { expect, test } from "./support/fixtures";
import { emailedLink, emailsTo } from "./support/mailbox";
import { totpCode, turnOnTotpByApi } from "./support/totp";
import { accountMenu, logOutFromMenu, newUser, registerByApi, type TestUser } from "./support/users";

// The screen gallery (the `gallery` project in playwright.config.ts): every screen, one
// test each, in light and dark at a phone's width and a desktop's. Each screen gets
// - no serious or critical accessibility violation (axe), scanned once per colour
//   scheme, each at the other width (light at 1280 px, dark at 360 px): contrast depends
//   on the scheme and reflow on the width, and a scan of all four costs twice the time
//   for what the two cover;
// - four screenshots for a person to look at, in test-results/gallery/ (git-ignored;
//   E2E_GALLERY_DIR) and attached to the HTML report.
// Getting to a screen takes the shortest way (the API, a made-up token); the journeys
// in the other specs test the ways there.

const VARIANTS = [
  { colorScheme: "light", width: 360, axe: false },
  { colorScheme: "light", width: 1280, axe: true },
  { colorScheme: "dark", width: 360, axe: true },
  { colorScheme: "dark", width: 1280, axe: false },
] as const;

async function checkScreen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const dir = process.env.E2E_GALLERY_DIR ?? testInfo.outputPath();
  mkdirSync(dir, { recursive: true });
  for (const { colorScheme, width, axe } of VARIANTS) {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width, height: 800 });
    if (axe) expect(await seriousViolations(page), `${name}, ${colorScheme}, ${width}px`).toEqual([]);
    const file = path.join(dir, `${name}-${colorScheme}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true, animations: "disabled", caret: "hide" });
    await testInfo.attach(`${name}-${colorScheme}-${width}`, { path: file, contentType: "image/png" });
  }
}

/** A token of the right shape that no email ever carried. */
const MADE_UP_TOKEN = "A".repeat(43);

test("home", async ({ page }, testInfo) => {
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Create an account" })).toBeVisible();
  await checkScreen(page, testInfo, "home");
});

test("register", async ({ page }, testInfo) => {
  await page.goto("/register/");
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await checkScreen(page, testInfo, "register");
});

test("register, with errors", async ({ page }, testInfo) => {
  await page.goto("/register/");
  await page.getByLabel("Username").fill("has space");
  await page.getByLabel("Email address").fill("not an address");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#password-error")).toBeVisible();
  await checkScreen(page, testInfo, "register-errors");
});

test("register, done", async ({ page }, testInfo) => {
  const user = newUser("shot");
  await page.goto("/register/");
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await checkScreen(page, testInfo, "register-done");
});

test("login", async ({ page }, testInfo) => {
  await page.goto("/login/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await checkScreen(page, testInfo, "login");
});

test("login, after a failed social sign-in", async ({ page }, testInfo) => {
  await page.goto("/login/?error=state_mismatch");
  await expect(page.getByText("That sign-in link was not started from this browser")).toBeVisible();
  await checkScreen(page, testInfo, "login-social-error");
});

test("login, after logging out", async ({ page, request, login }, testInfo) => {
  const user = newUser("shot");
  await registerByApi(request, user);
  await login(user);
  await logOutFromMenu(page);
  await checkScreen(page, testInfo, "login-logged-out");
});

test("login, bad credentials", async ({ page }, testInfo) => {
  await page.goto("/login/");
  await page.getByLabel("Email address").fill("nobody@example.com");
  await page.getByLabel("Password", { exact: true }).fill("wrong password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("The email address or password is incorrect.")).toBeVisible();
  await checkScreen(page, testInfo, "login-bad-credentials");
});

test("verify email, confirm and success", async ({ page, request }, testInfo) => {
  const user = newUser("shot");
  await registerByApi(request, user);
  await page.goto(await emailedLink(user.email, "verify"));
  await expect(page.getByRole("heading", { name: "Confirm your email address" })).toBeVisible();
  await checkScreen(page, testInfo, "verify-confirm");
  await page.getByRole("button", { name: "Verify my email address" }).click();
  await expect(page.getByRole("heading", { name: "Your email address is verified" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await checkScreen(page, testInfo, "verify-success");
});

test("verify email, failure", async ({ page }, testInfo) => {
  await page.goto(`/verify-email/?token=${MADE_UP_TOKEN}`);
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await checkScreen(page, testInfo, "verify-failure");
});

test("reset password, ask", async ({ page }, testInfo) => {
  await page.goto("/reset-password/");
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await checkScreen(page, testInfo, "reset-request");
});

test("reset password, sent", async ({ page }, testInfo) => {
  await page.goto("/reset-password/");
  await page.getByLabel("Email address").fill(newUser("shot").email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await checkScreen(page, testInfo, "reset-sent");
});

test.describe("reset password, with a link", () => {
  async function openResetLink(page: Page): Promise<string> {
    const user = newUser("shot");
    await registerByApi(page.request, user);
    expect((await page.request.post("/api/auth/password/reset/", { data: { email: user.email } })).status()).toBe(202);
    await page.goto(await emailedLink(user.email, "reset"));
    await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
    return user.password;
  }

  test("choose, with errors", async ({ page }, testInfo) => {
    await openResetLink(page);
    await page.getByLabel("New password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page.locator("#new-password-error")).toBeVisible();
    await checkScreen(page, testInfo, "reset-choose-errors");
  });

  test("done", async ({ page }, testInfo) => {
    const password = await openResetLink(page);
    await page.getByLabel("New password", { exact: true }).fill(`${password} anew`);
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page.getByRole("heading", { name: "Your password was changed" })).toBeVisible();
    await checkScreen(page, testInfo, "reset-done");
  });
});

test("reset password, a link that does not work", async ({ page }, testInfo) => {
  await page.goto("/reset-password/?token=abc");
  await expect(page.getByRole("heading", { name: "This link does not work" })).toBeVisible();
  await checkScreen(page, testInfo, "reset-invalid");
});

test.describe("profile", () => {
  /** A signed-in user with a second device, signed in through the API as an external client would be. */
  async function signedInWithTwoSessions({ request, login }: { request: APIRequestContext; login: (user: TestUser, options?: { to?: string }) => Promise<void> }, to = "/profile/") {
    const user = newUser("shot");
    await registerByApi(request, user);
    const other = await request.post("/api/auth/login/", {
      data: { email: user.email, password: user.password },
      headers: { "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0" },
    });
    expect(other.status()).toBe(200);
    await login(user, { to });
    return user;
  }

  test("account, unverified", async ({ page, request, login }, testInfo) => {
    await signedInWithTwoSessions({ request, login });
    await expect(page.getByText("Not verified", { exact: true })).toBeVisible();
    await checkScreen(page, testInfo, "profile");
  });

  test("the account menu, open", async ({ page, request, login }, testInfo) => {
    await signedInWithTwoSessions({ request, login });
    await accountMenu(page).click();
    await expect(page.getByRole("banner").getByRole("button", { name: "Log out" })).toBeVisible();
    await checkScreen(page, testInfo, "profile-account-menu");
  });

  test("sign-in and security", async ({ page, request, login }, testInfo) => {
    const user = await signedInWithTwoSessions({ request, login }, "/profile/security/");
    markEmailVerified(user.email);
    await page.reload();
    await expect(page.getByRole("button", { name: "Turn on two-step verification" })).toBeVisible();
    await checkScreen(page, testInfo, "profile-security");
  });

  test("sessions", async ({ page, request, login }, testInfo) => {
    await signedInWithTwoSessions({ request, login }, "/profile/sessions/");
    await expect(page.getByRole("button", { name: "Sign out all other sessions" })).toBeVisible();
    await checkScreen(page, testInfo, "profile-sessions");
  });

  test("activity, paged", async ({ page, request, login }, testInfo) => {
    const user = await signedInWithTwoSessions({ request, login }, "/profile/");
    for (let i = 0; i < 11; i++) await request.post("/api/auth/login/", { data: { email: user.email, password: i % 3 ? user.password : "a wrong password" } });
    await page.goto("/profile/activity/");
    await expect(page.getByRole("link", { name: "Older" })).toBeVisible();
    await checkScreen(page, testInfo, "profile-activity");
  });

  test("a refused password change", async ({ page, request, login }, testInfo) => {
    const user = await signedInWithTwoSessions({ request, login }, "/profile/security/");
    await page.getByLabel("Current password").fill("not the password");
    await page.getByLabel("New password", { exact: true }).fill(`${user.password} changed`);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.locator("#current-password-error")).toHaveText("Incorrect password");
    await checkScreen(page, testInfo, "profile-password-error");
  });

  test("two-step verification: the QR code, then the recovery codes, then on", async ({ page, request, login }, testInfo) => {
    const user = newUser("totp");
    await registerByApi(request, user);
    markEmailVerified(user.email);
    await login(user, { to: "/profile/security/" });
    await page.getByRole("button", { name: "Turn on two-step verification" }).click();
    await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
    await checkScreen(page, testInfo, "profile-totp-setup");
    const key = (await page.locator("code[aria-label^='Key:']").textContent())!.replace(/\s/g, "");
    const code = generateHOTP(decodeBase32IgnorePadding(key), BigInt(Math.floor(Date.now() / 30_000)), 6);
    await page.getByLabel("Code from the app").fill(code);
    await page.getByRole("button", { name: "Turn on" }).click();
    await expect(page.getByRole("heading", { name: "Save your recovery codes" })).toBeFocused();
    await expect(page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
    await checkScreen(page, testInfo, "profile-recovery-codes");
    await page.getByRole("button", { name: "I have saved them" }).click();
    await expect(page.getByText("10 recovery codes left.")).toBeVisible();
    await checkScreen(page, testInfo, "profile-totp-on");
  });
});

test("two-step sign-in: the code asked in place, a wrong code, the recovery code form", async ({ page, request }, testInfo) => {
  const user = newUser("secondstep");
  await registerByApi(request, user);
  markEmailVerified(user.email);
  // TOTP on through the API: this screen is about the sign-in, not the setup.
  const signedIn = await (await request.post("/api/auth/login/", { data: { email: user.email, password: user.password } })).json();
  const auth = { authorization: `Bearer ${signedIn.access}` };
  const setup = await (await request.post("/api/auth/mfa/totp/setup/", { headers: auth })).json();
  const code = generateHOTP(decodeBase32IgnorePadding(setup.secret), BigInt(Math.floor(Date.now() / 30_000)), 6);
  expect((await request.post("/api/auth/mfa/totp/confirm/", { headers: auth, data: { code } })).status()).toBe(200);

  await page.goto("/login/");
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  await checkScreen(page, testInfo, "login-second-step");
  await page.getByLabel("Code from your authenticator app").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#second-step-code-error")).toContainText("That code is not right");
  await checkScreen(page, testInfo, "login-second-step-wrong-code");
  await page.getByRole("button", { name: "Use a recovery code instead" }).click();
  await expect(page.getByLabel("Recovery code")).toBeVisible();
  await expect(page.locator("#second-step-code-error")).toHaveCount(0);
  await checkScreen(page, testInfo, "login-recovery-code");
});

test("two-step page after social sign-in, and its expired state", async ({ page }, testInfo) => {
  // The fragment as the social callback writes it; a made-up token is refused only when sent.
  await page.goto(`/login/two-step/?next=%2Fprofile%2F#mfa_token=${MADE_UP_TOKEN}&methods=totp,recovery_code,passkey`);
  await expect(page.getByRole("button", { name: "Use a passkey instead" })).toBeVisible();
  // The token left the address bar as soon as the page read it.
  expect(new URL(page.url()).hash).toBe("");
  await checkScreen(page, testInfo, "two-step-after-social");
  await page.getByLabel("Code from your authenticator app").fill("123456");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("link", { name: "Sign in again" })).toBeVisible();
  await checkScreen(page, testInfo, "two-step-expired");
});

test.describe("with providers configured", () => {
  test.use({ baseURL: process.env.E2E_PROVIDERS_URL });

  test("login", async ({ page }, testInfo) => {
    await page.goto("/login/");
    await expect(page.getByRole("link", { name: "Continue with GitHub" })).toBeVisible();
    await checkScreen(page, testInfo, "login-providers");
  });

  test("profile", async ({ page, login }, testInfo) => {
    const user = newUser("shot");
    await registerByApi(page.request, user);
    linkProviderAccount({ email: user.email, provider: "github" });
    await login(user, { to: "/profile/security/" });
    await expect(page.getByRole("button", { name: "Unlink GitHub" })).toBeVisible();
    await checkScreen(page, testInfo, "profile-providers");
  });
});

test.describe("the account's own lifecycle", () => {
  test("a change of address: its confirmation page, the old address's cancel page", async ({ page, request, login }, testInfo) => {
    const user = newUser("shot");
    await registerByApi(request, user);
    markEmailVerified(user.email);
    await login(user);
    const newAddress = `new.${user.email}`;
    await page.getByLabel("New email address").fill(newAddress);
    await page.getByRole("button", { name: "Send confirmation link" }).click();
    await expect(page.getByText("Waiting for confirmation")).toBeVisible();
    const link = async (to: string, subject: RegExp, path: string) => {
      await expect.poll(async () => (await emailsTo(to)).some((m) => subject.test(m.subject)), { timeout: 15_000 }).toBe(true);
      const mail = (await emailsTo(to)).find((m) => subject.test(m.subject))!;
      return [...mail.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&")).find((href) => new URL(href).pathname === path)!;
    };
    await page.goto(await link(newAddress, /Confirm your new email/, "/verify-email/"));
    await expect(page.getByRole("heading", { name: "Confirm your new email address" })).toBeVisible();
    await checkScreen(page, testInfo, "verify-email-change");
    await page.goto(await link(user.email, /about to change/, "/email-change/cancel/"));
    await expect(page.getByRole("heading", { name: "Was this not you?" })).toBeVisible();
    await checkScreen(page, testInfo, "email-change-cancel");
  });

  test("deleting the account: the confirmation, then the page after", async ({ page, request, login }, testInfo) => {
    const user = newUser("shot");
    await registerByApi(request, user);
    await login(user);
    await page.getByRole("button", { name: "Delete my account…" }).click();
    await page.getByRole("button", { name: "Delete my account", exact: true }).click();
    await expect(page.locator("#delete-confirm-error")).toBeVisible();
    await checkScreen(page, testInfo, "profile-delete-confirm");
    await page.getByLabel("Type your email address to confirm").fill(user.email);
    await page.getByRole("button", { name: "Delete my account", exact: true }).click();
    await expect(page.getByRole("heading", { name: "Your account is deleted" })).toBeVisible();
    await checkScreen(page, testInfo, "account-deleted");
  });
});

test.describe("administration", () => {
  /** An administrator signed in with TOTP through the API, from the page's own browser (its refresh cookie). */
  async function asAdministrator(page: Page): Promise<TestUser> {
    const admin = newUser("shotadmin");
    await registerByApi(page.request, admin);
    markEmailVerified(admin.email);
    grantAdmin(admin.email);
    const secret = await turnOnTotpByApi(page.request, admin);
    const first = await (await page.request.post("/api/auth/login/", { data: { email: admin.email, password: admin.password } })).json();
    const second = await page.request.post("/api/auth/mfa/verify/", { data: { mfa_token: first.mfa_token, code: totpCode(secret, 1) } });
    expect(second.status()).toBe(200);
    return admin;
  }

  test("the accounts, one account with a confirmation, the audit", async ({ page }, testInfo) => {
    await asAdministrator(page);
    const member = newUser("shotmember");
    await registerByApi(page.request, member);
    await page.goto("/admin/");
    await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
    await expect(page.getByRole("list", { name: "Accounts" })).toBeVisible();
    await checkScreen(page, testInfo, "admin-users");
    // An administrator's account menu has the way here.
    await accountMenu(page).click();
    await expect(page.getByRole("banner").getByRole("link", { name: "Administration" })).toBeVisible();
    await checkScreen(page, testInfo, "admin-account-menu");
    await accountMenu(page).click();
    await page.getByLabel("Search by username or email").fill(member.username);
    await expect(page.getByRole("status").filter({ hasText: "1 account matches" })).toBeVisible();
    await page.getByRole("link", { name: member.username }).click();
    await expect(page.getByRole("heading", { name: "Actions" })).toBeVisible();
    await checkScreen(page, testInfo, "admin-user");
    await page.getByRole("button", { name: "Disable the account…" }).click();
    await page.getByRole("button", { name: "Disable the account", exact: true }).click();
    await expect(page.locator("#action-reason-error")).toBeVisible();
    await checkScreen(page, testInfo, "admin-confirm");
    await page.getByLabel("Reason (kept in the audit)").fill("Gallery");
    await page.getByRole("button", { name: "Disable the account", exact: true }).click();
    await expect(page.getByText("is disabled and signed out everywhere")).toBeVisible();
    await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Audit" }).click();
    await expect(page.getByRole("list", { name: "Audit entries" })).toBeVisible();
    await checkScreen(page, testInfo, "admin-audit");
  });

  test("refused: not an administrator, and an administrator without a second factor", async ({ page, login }, testInfo) => {
    const user = newUser("shot");
    await registerByApi(page.request, user);
    await login(user, { to: "/admin/" });
    await expect(page.getByText("This account is not an administrator.")).toBeVisible();
    await checkScreen(page, testInfo, "admin-not-admin");
    grantAdmin(user.email);
    await page.reload();
    await expect(page.getByRole("heading", { name: "Administration needs two-step sign-in" })).toBeVisible();
    await checkScreen(page, testInfo, "admin-needs-second-factor");
  });
});

test("page not found", async ({ page }, testInfo) => {
  const response = await page.goto("/no-such-page/");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await checkScreen(page, testInfo, "not-found");
});

// Sign in with Gatehouse (docs/oidc.md): the screens an app's user meets at Gatehouse.
const RP_URL = process.env.E2E_RP_URL!;
const authorizeUrl = (redirectUri = `${RP_URL}/api/auth/callback/gatehouse`) =>
  `/api/auth/oidc/authorize?${new URLSearchParams({
    client_id: "team-wiki",
    response_type: "code",
    redirect_uri: redirectUri,
    scope: "openid profile email offline_access",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
    state: "gallery",
  })}`;

test("an app asks for consent", async ({ page }, testInfo) => {
  const user = newUser("shot");
  await registerByApi(page.request, user);
  expect((await page.request.post("/api/auth/login/", { data: { email: user.email, password: user.password } })).status()).toBe(200);
  await page.goto(authorizeUrl());
  await expect(page.getByRole("heading", { name: "Allow Team Wiki to use your Gatehouse account?" })).toBeVisible();
  await checkScreen(page, testInfo, "oidc-consent");
});

test("the profile's apps with access", async ({ page }, testInfo) => {
  const user = newUser("shot");
  await registerByApi(page.request, user);
  expect((await page.request.post("/api/auth/login/", { data: { email: user.email, password: user.password } })).status()).toBe(200);
  // Allowed once: the app has a grant and a remembered consent (its callback then refuses
  // this browser, as in the sign-out shot below: this test, not the app, began the request).
  await page.goto(authorizeUrl());
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((url) => url.href.startsWith(RP_URL));
  await page.goto("/profile/apps/");
  await expect(page.getByRole("button", { name: "Remove access for Team Wiki" })).toBeVisible();
  await checkScreen(page, testInfo, "profile-apps");
});

test("an app asks to sign out of Gatehouse", async ({ page }, testInfo) => {
  // Only a browser that signed in to an app has something to sign out of.
  const user = newUser("shot");
  await registerByApi(page.request, user);
  expect((await page.request.post("/api/auth/login/", { data: { email: user.email, password: user.password } })).status()).toBe(200);
  // The browser then lands on the app's callback, which refuses it (this test, not the app,
  // began the request: next-auth logs "State cookie was missing"); only Gatehouse's session matters here.
  await page.goto(authorizeUrl());
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL((url) => url.href.startsWith(RP_URL));
  await page.goto(`/api/auth/oidc/logout?${new URLSearchParams({ client_id: "team-wiki", post_logout_redirect_uri: `${RP_URL}/` })}`);
  await expect(page.getByRole("heading", { name: "Sign out of Gatehouse?" })).toBeVisible();
  await checkScreen(page, testInfo, "oidc-sign-out");
});

test("an app sends a sign-in to an address it never registered", async ({ page }, testInfo) => {
  const response = await page.goto(authorizeUrl("https://evil.example/callback"));
  expect(response?.status()).toBe(400);
  await expect(page.getByRole("heading", { name: "We could not continue" })).toBeVisible();
  await checkScreen(page, testInfo, "oidc-error");
});
