import { expect, type Page } from "@playwright/test";

// Emails are read in the development mailbox (/dev/mail/), newest first, the way a
// developer running Gatehouse locally reads them.

/** Open the newest email sent to `to` and return the page showing it. */
export async function openLatestEmail(page: Page, to: string, subject = "Verify your email address"): Promise<void> {
  await page.goto("/dev/mail/");
  const message = page.getByRole("link").filter({ hasText: subject }).filter({ hasText: `To ${to}` }).first();
  await expect(message).toBeVisible();
  await message.click();
  await expect(page.getByRole("heading", { level: 1, name: subject })).toBeVisible();
}

/** The verification link in the open email's plain text. */
export function verificationLink(page: Page) {
  return page.getByTestId("email-text").getByRole("link", { name: /\/verify-email\/\?token=/ });
}

/** The password-reset link in the open email's plain text. */
export function resetLink(page: Page) {
  return page.getByTestId("email-text").getByRole("link", { name: /\/reset-password\/\?token=/ });
}

/** How many emails to `to` the mailbox holds. */
export async function countEmails(page: Page, to: string): Promise<number> {
  await page.goto("/dev/mail/");
  return page.getByRole("link").filter({ hasText: `To ${to}` }).count();
}
