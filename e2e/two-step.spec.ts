import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import type { Page } from "@playwright/test";
import { ageSessions, markEmailVerified } from "./support/db";
import { expectAccessible } from "./support/axe";
import { expect, test } from "./support/fixtures";
import { addVirtualAuthenticator } from "./support/passkeys";
import { accountMenu, logOutFromMenu, newUser, registerByApi, type TestUser } from "./support/users";

// Two-step verification and passkeys, as a person uses them (docs/api.md, second factor
// and passkeys): turn TOTP on from the profile with a code computed from the manual key,
// sign out, sign in with password then code, then with a recovery code; register a
// passkey with Chromium's virtual authenticator (CDP) and sign in with it, alone and as
// the second step. The activity list shows each step. The main e2e server is known as
// localhost (playwright.config.ts): WebAuthn refuses IP addresses.

const codeAt = (key: string, offsetSteps = 0) =>
  generateHOTP(decodeBase32IgnorePadding(key), BigInt(Math.floor(Date.now() / 30_000) + offsetSteps), 6);

/** The newest events, on the activity section of the profile. */
async function activity(page: Page) {
  await page.goto("/profile/activity/");
  const events = page.getByRole("list", { name: "Security events, newest first" }).getByRole("listitem");
  await expect(events.first()).toBeVisible();
  return events;
}

const logOut = logOutFromMenu;

async function passwordStep(page: Page, user: TestUser) {
  await page.getByLabel("Email address").fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
}

const onProfile = (page: Page) => expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
const SECURITY = { to: "/profile/security/" };

test("turn on TOTP from the manual key, sign in with password and code, then with a recovery code", async ({ page, request, login }) => {
  const user = newUser("twostep");
  await registerByApi(request, user);
  // Second factors come after the address is proven (docs/security.md, account ownership).
  markEmailVerified(user.email);
  await login(user, SECURITY);

  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  const key = (await page.locator("code[aria-label^='Key:']").textContent())!.replace(/\s/g, "");
  await page.getByLabel("Code from the app").fill(codeAt(key));
  await page.getByRole("button", { name: "Turn on" }).click();
  // Wait for the ten to appear (allTextContents reads at once, and the confirm is a round trip).
  const listed = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(listed).toHaveCount(10);
  await expectAccessible(page, "the recovery codes, shown once");
  const codes = await listed.allTextContents();
  // The saved copy says whose codes they are and for what.
  await expect(page.getByRole("link", { name: "Download codes" })).toHaveAttribute("download", `gatehouse-recovery-codes-${user.email}.txt`);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download codes" }).click();
  const saved = await (await download).path().then((file) => import("node:fs").then((fs) => fs.readFileSync(file, "utf8")));
  expect(saved).toContain("Gatehouse recovery codes");
  expect(saved).toContain(`Account: ${user.email}`);
  expect(saved).toContain(codes[0]!);
  await page.getByRole("button", { name: "I have saved them" }).click();
  // One thing says it is on: the status line, not a banner besides.
  await expect(page.getByRole("main").getByRole("status").filter({ hasText: "On" })).toContainText("10 recovery codes left.");
  await expect(page.getByText("Two-step verification is on.")).toHaveCount(0);

  // Password, then the code (the next step: the confirm spent this one).
  await logOut(page);
  await passwordStep(page, user);
  await expectAccessible(page, "the second step asked in place");
  await page.getByLabel("Code from your authenticator app").fill(codeAt(key, -1));
  await page.getByRole("button", { name: "Verify" }).click();
  // An old step is a replay: refused in words, and the step stays open.
  await expect(page.locator("#second-step-code-error")).toContainText("That code is not right");
  await page.getByLabel("Code from your authenticator app").fill(codeAt(key, 1));
  await page.getByRole("button", { name: "Verify" }).click();
  await onProfile(page);

  // Password, then a recovery code. A wrong code's error does not stay under the new field.
  await logOut(page);
  await passwordStep(page, user);
  await page.getByLabel("Code from your authenticator app").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.locator("#second-step-code-error")).toBeVisible();
  await page.getByRole("button", { name: "Use a recovery code instead" }).click();
  await expect(page.locator("#second-step-code-error")).toHaveCount(0);
  await expect(page.getByLabel("Recovery code")).toBeFocused();
  await page.getByLabel("Recovery code").fill(codes[0]!);
  await page.getByRole("button", { name: "Verify" }).click();
  await onProfile(page);

  const events = await activity(page);
  await expect(events.first()).toContainText("Signed in with a password and a recovery code");
  const lines = await events.allTextContents();
  const order = [
    "Signed in with a password and a recovery code",
    "Recovery code used (9 left)",
    "Failed sign-in attempt: wrong code",
    "Signed out",
    "Signed in with a password and a code",
    "Failed sign-in attempt: wrong code",
    "Signed out",
    "Two-step verification turned on",
    "Signed in with a password",
  ];
  expect(lines.map((line) => order.find((words) => line.startsWith(words)) ?? line)).toEqual(order);
});

test("register a passkey, sign in with it alone, and use it as the second step after a password", async ({ page, request, login }) => {
  const authenticator = await addVirtualAuthenticator(page);
  const user = newUser("passkey");
  await registerByApi(request, user);
  // Second factors come after the address is proven (docs/security.md, account ownership).
  markEmailVerified(user.email);
  await login(user, SECURITY);

  await page.getByLabel("Name for the new passkey").fill("Virtual key");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByText("Passkey “Virtual key” added.")).toBeVisible();
  // Discoverable: the authenticator keeps it, with the account's random user handle.
  expect(await authenticator.credentials()).toEqual([expect.objectContaining({ isResidentCredential: true, rpId: "localhost" })]);

  // The passkey alone is both factors. The login page asks for it through autofill as it
  // loads; the virtual authenticator answers that as a person picking it from the list,
  // at once: the login form may be gone before a check for it runs, so the proof is the
  // logout's answer, then the passkey's sign-in, then the profile.
  const loggedOut = page.waitForResponse((r) => r.url().endsWith("/api/auth/logout/") && r.ok());
  const passkeySignIn = page.waitForResponse((r) => r.url().endsWith("/api/auth/passkeys/login/") && r.ok());
  await accountMenu(page).click();
  await page.getByRole("banner").getByRole("button", { name: "Log out" }).click();
  await loggedOut;
  await passkeySignIn;
  await onProfile(page);
  await expect((await activity(page)).first()).toContainText("Signed in with a passkey");

  // With the button, in a browser without passkey autofill (the virtual authenticator
  // would otherwise answer the autofill request first, as above). The init script runs
  // in each new document: the profile is loaded afresh, and signing out goes to /login/
  // within it.
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await page.reload();
  await logOut(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await onProfile(page);

  // A sign-in an hour old: turning on two-step verification asks to confirm it is you,
  // and the passkey does.
  ageSessions(user.email);
  await page.goto("/profile/security/");
  await page.getByRole("button", { name: "Turn on two-step verification" }).click();
  await expect(page.getByRole("heading", { name: "Confirm it is you" })).toBeVisible();
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();

  // With TOTP on (turned on through the API with this browser's session), the password
  // asks for a second step, and the passkey answers it.
  const tokens = await page.request.post("/api/auth/token/refresh/");
  const auth = { authorization: `Bearer ${(await tokens.json()).access}` };
  const setup = await (await page.request.post("/api/auth/mfa/totp/setup/", { headers: auth })).json();
  expect((await page.request.post("/api/auth/mfa/totp/confirm/", { headers: auth, data: { code: codeAt(setup.secret) } })).status()).toBe(200);
  await page.reload();
  await logOut(page);
  await passwordStep(page, user);
  await page.getByRole("button", { name: "Use a passkey instead" }).click();
  await onProfile(page);
  const events = await activity(page);
  await expect(events.first()).toContainText("Signed in with a password and a passkey");
  // Further back than the first page of ten: the whole list, through the API.
  const access = (await (await page.request.post("/api/auth/token/refresh/")).json()).access;
  const all = await (await page.request.get("/api/auth/activity/", { headers: { authorization: `Bearer ${access}` } })).json();
  expect(all.filter((e: { type: string; detail: { name?: string } }) => e.type === "passkey_added" && e.detail.name === "Virtual key")).toHaveLength(1);
});
