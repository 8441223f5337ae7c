import "server-only";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { singleton } from "@/lib/singleton";

// The few screens the provider itself renders for a person (an error, the sign-out
// question, "you are signed out"): plain HTML in the house style, with the site's own
// stylesheet inlined under a nonce, so they look like every other Gatehouse page in light
// and dark, at 360 px, and work with a keyboard and a screen reader. Everything else a
// person sees (sign-in, second step, consent) is one of the app's React pages.

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export const html = (strings: TemplateStringsArray, ...values: (string | SafeHtml)[]) =>
  new SafeHtml(strings.reduce((out, s, i) => out + s + (i < values.length ? asHtml(values[i]!) : ""), ""));

export class SafeHtml {
  constructor(readonly value: string) {}
}

const asHtml = (value: string | SafeHtml) => (value instanceof SafeHtml ? value.value : escapeHtml(value));

/** The site's stylesheet (app/globals.css), read once. */
function stylesheet(): string {
  return singleton("oidc-page-css", () => {
    try {
      return readFileSync(path.join(process.cwd(), "app", "globals.css"), "utf8");
    } catch {
      return ":root{color-scheme:light dark;font-family:system-ui,sans-serif}body{max-width:440px;margin:32px auto;padding:0 16px}";
    }
  });
}

export type Page = { status: number; headers: Record<string, string>; body: string };

/**
 * A whole page. `formTargets` are the origins a form on it may end up at (a sign-out form
 * is answered with a redirect to the app), for the CSP's form-action.
 */
export function page(input: { title: string; body: SafeHtml; status?: number; formTargets?: string[] }): Page {
  const nonce = randomBytes(16).toString("base64");
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    `form-action 'self'${(input.formTargets ?? []).map((origin) => ` ${origin}`).join("")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
  const name = escapeHtml(getEnv().APP_NAME);
  const body = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)} · ${name}</title>
<style nonce="${nonce}">${stylesheet()}</style>
</head>
<body>
<header class="site-header"><div class="site-header-inner"><a class="brand" href="/"><span class="brand-mark" aria-hidden="true">◆</span>${name}</a></div></header>
<main class="site-main" id="main"><div class="card stack">${input.body.value}</div></main>
</body>
</html>`;
  return {
    status: input.status ?? 200,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": csp,
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
    },
    body,
  };
}

/** What an OAuth error means to a person who landed on it. */
export function errorPage(error: string, description: string | undefined, status: number): Page {
  const name = getEnv().APP_NAME;
  const words: Record<string, string> = {
    invalid_redirect_uri: `The app sent you to an address it has not registered with ${name}, so ${name} did not send you back there.`,
    invalid_client: `${name} does not know the app that sent you here, or it has been turned off.`,
    invalid_request: "The app sent an incomplete or malformed sign-in request.",
    session_not_found: "This sign-in has expired or was already finished. Go back to the app and start again.",
    access_denied: "The request was refused.",
  };
  const explanation = words[error] ?? "Something went wrong with this sign-in request.";
  return page({
    title: "Sign-in problem",
    status,
    body: html`<h1>We could not continue</h1>
<p>${explanation}</p>
${description ? html`<p class="muted">Details for the app's developers: <code>${error}</code>: ${description}</p>` : html`<p class="muted">Details for the app's developers: <code>${error}</code></p>`}
<p><a href="/profile/">Go to your ${name} account</a></p>`,
  });
}
