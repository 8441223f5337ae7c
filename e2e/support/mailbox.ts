import { expect } from "@playwright/test";

// Emails arrive at the fake Resend API (tests/support/fake-resend.ts), which
// playwright.config.ts starts as a web server and hands to both app servers as
// RESEND_BASE_URL: the app sends through the real Resend SDK, as in production. Tests read
// what arrived and `page.goto` the link in it, as a person clicking it would.
//
// Delivery happens after the app has answered (next/server's after()), so every read
// waits until the expected message is there rather than reading once.

export type Email = { id: string; to: string[] | string; subject: string; text: string; html: string };

const SUBJECTS = {
  verify: "Verify your email address",
  reset: "Reset your password",
  // A reset link too: what an unverified address gets when anyone may be asking.
  claim: "Claim your Gatehouse account",
} as const;

type Kind = keyof typeof SUBJECTS;

/** Every email the fake Resend API accepted for `to`, oldest first. */
export async function emailsTo(to: string): Promise<Email[]> {
  const url = process.env.E2E_RESEND_URL;
  const key = process.env.E2E_RESEND_API_KEY;
  if (!url || !key) throw new Error("E2E_RESEND_URL is not set: run the suite through playwright.config.ts");
  const response = await fetch(`${url}/messages?to=${encodeURIComponent(to)}`, { headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) throw new Error(`fake Resend answered ${response.status}`);
  return ((await response.json()) as { data: Email[] }).data;
}

/** How many emails of this kind (default: any) reached `to`, once `count` of them have. */
export async function expectEmailCount(to: string, count: number, kind?: Kind): Promise<void> {
  await expect
    .poll(async () => (await emailsTo(to)).filter((m) => !kind || m.subject === SUBJECTS[kind]).length, {
      message: `${count} email(s)${kind ? ` "${SUBJECTS[kind]}"` : ""} to ${to}`,
      timeout: 15_000,
    })
    .toBe(count);
}

/**
 * The link in the `nth` (1-based, in order of arrival) email of this kind to `to`,
 * waiting for it to arrive. Counting, rather than taking the newest, keeps a test from
 * reading an older link while the new email is still on its way.
 */
export async function emailedLink(to: string, kind: Kind, nth = 1): Promise<string> {
  let found: Email | undefined;
  await expect
    .poll(
      async () => {
        found = (await emailsTo(to)).filter((m) => m.subject === SUBJECTS[kind])[nth - 1];
        return Boolean(found);
      },
      { message: `email #${nth} "${SUBJECTS[kind]}" to ${to}`, timeout: 15_000 },
    )
    .toBe(true);
  // The button a person clicks in the HTML part; the plain-text part carries the same.
  const path = kind === "verify" ? "/verify-email/" : "/reset-password/";
  const hrefs = [...found!.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
  const link = hrefs.find((href) => new URL(href).pathname === path);
  if (!link) throw new Error(`no ${path} link in:\n${found!.html}`);
  // A reset link carries the account's address in its fragment, for the page's password managers.
  expect(link).toMatch(kind === "verify" ? /\?token=[\w-]+$/ : /\?token=[\w-]+#email=[^&#]+$/);
  expect(found!.text).toContain(link);
  return link;
}
