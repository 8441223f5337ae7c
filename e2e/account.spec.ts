import { readFile } from "node:fs/promises";
import type { Page } from "@playwright/test";
import { expectAccessible } from "./support/axe";
import { ageSessions, grantAdmin, markEmailVerified } from "./support/db";
import { expect, test } from "./support/fixtures";
import { emailsTo, type Email } from "./support/mailbox";
import { addVirtualAuthenticator } from "./support/passkeys";
import { totpCode, turnOnTotpByApi } from "./support/totp";
import { accountMenu, newUser, registerByApi } from "./support/users";

// The account's whole life and the console (docs/api.md, the account's own lifecycle and
// administration): a person changes their address (both emails read at the fake Resend),
// downloads their data and deletes the account; an administrator with TOTP finds a user,
// disables them while their tab is open, enables them, resets their second factor and
// reads the audit; an administrator whose only second factor is a passkey confirms an
// action with it.

/** The newest email to `to` whose subject matches, once it has arrived. */
async function mailTo(to: string, subject: RegExp): Promise<Email> {
  let found: Email | undefined;
  await expect
    .poll(async () => {
      found = (await emailsTo(to)).filter((m) => subject.test(m.subject)).at(-1);
      return Boolean(found);
    }, { message: `an email ${subject} to ${to}`, timeout: 15_000 })
    .toBe(true);
  return found!;
}

/** The link of an email's button (its HTML part) to `path`. */
function linkTo(email: Email, path: string): string {
  const link = [...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&")).find((href) => new URL(href).pathname === path);
  if (!link) throw new Error(`no ${path} link in:\n${email.text}`);
  expect(email.text).toContain(link);
  return link;
}

test("a person changes their email address, downloads their data, and deletes their account", async ({ page, request, login }) => {
  const user = newUser("lifecycle");
  const newAddress = `moved.${user.email}`;
  await registerByApi(request, user);
  markEmailVerified(user.email);
  await login(user);

  // A new username shows at once in the header's account menu, which has no Administration.
  const renamed = `${user.username}.new`;
  await page.getByLabel("New username").fill(renamed);
  await page.getByRole("button", { name: "Change username" }).click();
  await expect(page.getByText(`Your username is now ${renamed}.`)).toBeVisible();
  await expect(accountMenu(page)).toContainText(renamed);
  await accountMenu(page).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Security" })).toBeVisible();
  await expect(page.getByRole("banner").getByRole("link", { name: "Administration" })).toHaveCount(0);
  await accountMenu(page).click();

  await page.getByLabel("New email address").fill(newAddress);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  await expect(page.getByText(`Your address stays ${user.email} until the link is used.`)).toBeVisible();
  await expect(page.getByText("Waiting for confirmation")).toContainText(newAddress);

  // The current address hears of it, masked; the new one gets the link.
  const notice = await mailTo(user.email, /about to change/);
  expect(notice.text).toContain("m***@example.com");
  expect(notice.text).not.toContain(newAddress);
  expect(linkTo(notice, "/email-change/cancel/")).toMatch(/\?token=[\w-]+$/);
  const confirmation = await mailTo(newAddress, /Confirm your new email address/);
  await page.goto(linkTo(confirmation, "/verify-email/"));
  await expect(page.getByRole("heading", { name: "Confirm your new email address" })).toBeVisible();
  await expectAccessible(page, "the confirmation page of a change of address");
  await page.getByRole("button", { name: "Confirm my new address" }).click();
  await expect(page.getByRole("heading", { name: "Your new email address is confirmed" })).toBeVisible();
  // This browser asked for it, so its session is the one the change kept.
  await page.getByRole("link", { name: "Go to your profile" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByRole("main").getByText(newAddress).first()).toBeVisible();

  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download my data" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^gatehouse-account-\d+-\d{4}-\d\d-\d\d\.json$/);
  const data = JSON.parse(await readFile((await download.path())!, "utf8"));
  expect(data.account).toMatchObject({ username: renamed, email: newAddress, email_verified: true });
  expect(data.activity.map((e: { type: string }) => e.type)).toContain("email_changed");
  expect(JSON.stringify(data)).not.toMatch(/argon2|password_hash|token_hash/);

  await page.getByRole("button", { name: "Delete my account…" }).click();
  await expect(page.getByRole("heading", { name: "Delete your account?" })).toBeFocused();
  await page.getByLabel("Type your email address to confirm").fill(user.email);
  await page.getByRole("button", { name: "Delete my account", exact: true }).click();
  await expect(page.locator("#delete-confirm-error")).toHaveText("This is not your account's email address.");
  await page.getByLabel("Type your email address to confirm").fill(newAddress);
  await page.getByRole("button", { name: "Delete my account", exact: true }).click();
  await expect(page).toHaveURL(/\/account-deleted\/$/);
  await expect(page.getByRole("heading", { name: "Your account is deleted" })).toBeVisible();
  await expectAccessible(page, "the page after deleting the account");
  await mailTo(newAddress, /was deleted/);
  expect((await request.post("/api/auth/login/", { data: { email: newAddress, password: user.password } })).status()).toBe(400);
  await page.goto("/profile/");
  await expect(page).toHaveURL(/\/login\//);
});

/** Sign in through the form with the password and then the code of the next time step. */
async function signInWithCode(page: Page, email: string, password: string, secret: string): Promise<void> {
  await page.goto("/login/?next=/admin/");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByLabel("Code from your authenticator app").fill(totpCode(secret, 1));
  await page.getByRole("button", { name: "Verify" }).click();
}

test("an administrator with TOTP finds a user, disables them (their open tab is signed out), enables them, resets their second factor, reads the audit", async ({ page, request, login, newDevice }) => {
  const admin = newUser("console");
  await registerByApi(request, admin);
  markEmailVerified(admin.email);
  grantAdmin(admin.email);
  const adminSecret = await turnOnTotpByApi(request, admin);

  const target = newUser("member");
  await registerByApi(request, target);
  markEmailVerified(target.email);
  // The member is signed in on their own device, the profile open; then turns on TOTP there.
  const memberTab = await newDevice();
  await login(target, { page: memberTab });
  await turnOnTotpByApi(memberTab.request, target);

  await signInWithCode(page, admin.email, admin.password, adminSecret);
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  // An administrator's account menu leads here.
  await accountMenu(page).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Administration" })).toHaveAttribute("aria-current", "page");
  await accountMenu(page).click();
  await page.getByLabel("Search by username or email").fill(target.username.toUpperCase());
  await expect(page.getByRole("status").filter({ hasText: "1 account matches" })).toBeVisible();
  await expectAccessible(page, "the administration's list of accounts");
  await expect(page).toHaveURL(new RegExp(`\\?q=${target.username.toUpperCase()}$`));
  await page.getByRole("link", { name: target.username }).click();
  await expect(page.getByRole("heading", { name: target.username, level: 1 })).toBeVisible();
  await expectAccessible(page, "one account in the administration");

  await page.getByRole("button", { name: "Disable the account…" }).click();
  await expect(page.getByRole("heading", { name: `Disable ${target.username}?` })).toBeFocused();
  await page.getByRole("button", { name: "Disable the account", exact: true }).click();
  await expect(page.locator("#action-reason-error")).toHaveText("This field is required.");
  await page.getByLabel("Reason (kept in the audit)").fill("Spam reported by three people");
  await page.getByRole("button", { name: "Disable the account", exact: true }).click();
  await expect(page.getByText(`${target.username} is disabled and signed out everywhere.`)).toBeVisible();
  await expect(page.getByText("Disabled", { exact: true }).first()).toBeVisible();

  // The member's open tab: its next request is refused, and the tab goes to the login form.
  await memberTab.getByRole("button", { name: "Download my data" }).click();
  await expect(memberTab).toHaveURL(/\/login\//);
  const refused = await request.post("/api/auth/login/", { data: { email: target.email, password: target.password } });
  expect(await refused.json()).toEqual({ detail: "This account is disabled.", code: "account_disabled" });

  await page.getByRole("button", { name: "Enable the account" }).click();
  await page.getByRole("button", { name: "Enable", exact: true }).click();
  await expect(page.getByText(`${target.username} can sign in again.`)).toBeVisible();

  await page.getByRole("button", { name: "Reset two-step verification…" }).click();
  await page.getByLabel("Reason (optional, kept in the audit)").fill("Lost phone, identity checked by video call");
  await page.getByRole("button", { name: "Reset two-step verification", exact: true }).click();
  await expect(page.getByText(`Two-step verification of ${target.username} reset`)).toBeVisible();
  await mailTo(target.email, /two-step verification was reset/);
  // The password alone signs in again.
  const back = await request.post("/api/auth/login/", { data: { email: target.email, password: target.password } });
  expect((await back.json()).access).toEqual(expect.any(String));

  await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Audit" }).click();
  await expect(page.getByRole("heading", { name: "Audit" })).toBeVisible();
  // Other tests' administrators may act meanwhile: this member's entries, newest first.
  const entries = page.getByRole("list", { name: "Audit entries" }).getByRole("listitem").filter({ hasText: target.email });
  await expect(entries.first()).toContainText(`${admin.email} reset the two-step verification and passkeys of ${target.email}`);
  await expect(entries.first()).toContainText("Reason: Lost phone, identity checked by video call");
  await expect(entries.nth(1)).toContainText(`${admin.email} enabled the account of ${target.email} again`);
  await expect(entries.nth(2)).toContainText(`${admin.email} disabled the account of ${target.email}`);
  await expect(entries.nth(2)).toContainText("Reason: Spam reported by three people");
  await expectAccessible(page, "the audit");
});

test("an administrator whose second factor is a passkey confirms an action with it, and is never asked for a password", async ({ page, request, login }) => {
  await addVirtualAuthenticator(page);
  const admin = newUser("keyholder");
  await registerByApi(request, admin);
  markEmailVerified(admin.email);
  await login(admin, { to: "/profile/security/" });
  await page.getByLabel("Name for the new passkey").fill("Office key");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByText("Passkey “Office key” added.")).toBeVisible();
  grantAdmin(admin.email);
  // Administration needs a session that used a second factor: signed out, the login page
  // asks for the passkey through autofill, which the virtual authenticator answers at once.
  const passkeySignIn = page.waitForResponse((r) => r.url().endsWith("/api/auth/passkeys/login/") && r.ok());
  await accountMenu(page).click();
  await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
  await passkeySignIn;
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();

  const target = newUser("signedin");
  await registerByApi(request, target);
  await page.goto(`/admin/?q=${target.username}`);
  await page.getByRole("link", { name: target.username }).click();
  await expect(page.getByRole("heading", { name: target.username, level: 1 })).toBeVisible();
  // A sign-in an hour old: a change asks to confirm it is you, by passkey only.
  ageSessions(admin.email);
  await page.getByRole("button", { name: "Sign out everywhere…" }).click();
  await page.getByRole("button", { name: "Sign out everywhere", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Confirm it is you" })).toBeVisible();
  await expect(page.getByLabel("Password", { exact: true })).toHaveCount(0);
  await expect(page.getByLabel("Code from your authenticator app")).toHaveCount(0);
  await expectAccessible(page, "the administration's confirm-it-is-you prompt, passkey only");
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await expect(page.getByText(`Every session of ${target.username} ended.`)).toBeVisible();
});
