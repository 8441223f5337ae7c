// The fake provider's HTML: the authorization page (pick a test user or deny) and its
// error page. Plain strings, escaped, no scripts: it is a test fixture a browser and a
// form POST from a test can both drive.

import type { FakeProviderName, FakeUser } from "./server";

const LABELS: Record<FakeProviderName, string> = { google: "Google", github: "GitHub" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.5rem 0;padding:.6rem;text-align:left;font-size:1rem}
.deny{text-align:center}.note{color:#555;font-size:.9rem}</style></head>
<body>${body}</body></html>`;
}

function describe(user: FakeUser): string {
  if (!user.email) return "no email address";
  return `${user.email}${user.emailVerified ? " (verified)" : " (unverified)"}`;
}

/** The consent page: one submit button per test user, and Deny. The query travels in hidden fields. */
export function authorizePage(input: {
  provider: FakeProviderName;
  action: string;
  params: URLSearchParams;
  users: FakeUser[];
}): string {
  const hidden = [...input.params]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n");
  const buttons = input.users
    .map(
      (user) =>
        `<button type="submit" name="user" value="${escapeHtml(user.id)}">Continue as ${escapeHtml(user.login)}` +
        ` <span class="note">(${escapeHtml(describe(user))})</span></button>`,
    )
    .join("\n");
  const label = LABELS[input.provider];
  return layout(
    `Fake ${label}: sign in`,
    `<h1>Fake ${label}</h1>
<p class="note">A local stand-in for ${label}'s sign-in page, for tests and development. Choose who to sign in as.</p>
<form method="post" action="${escapeHtml(input.action)}">
${hidden}
${buttons}
<button type="submit" name="deny" value="1" class="deny">Deny</button>
</form>`,
  );
}

/** What the fake says to a request it refuses before it can redirect back (bad client or redirect_uri). */
export function errorPage(provider: FakeProviderName, reason: string): string {
  return layout(`Fake ${LABELS[provider]}: error`, `<h1>Error 400: invalid_request</h1><p>${escapeHtml(reason)}</p>`);
}
