import { startApp, type RunningApp } from "../../tests/support/app";
import type { ApiClient, ApiResponse } from "../../tests/support/client";
import { startFakeOAuthProvider, type FakeOAuthOptions, type FakeOAuthProvider } from "./server";

// The browser flow driven with plain HTTP, one step at a time so that a test can
// tamper between steps: start at the app, post the fake's consent form, come back. The
// app is the built server or the app in-process (ApiClient sends either way).

/** GET the app's start URL; returns the app's response and the provider URL it redirects to. */
export async function startSocialFlow(
  client: ApiClient,
  provider: "google" | "github",
  query: Record<string, string> = {},
): Promise<{ response: ApiResponse; authorizeUrl: URL }> {
  const search = new URLSearchParams(query).toString();
  const response = await client.get(`/api/auth/social/${provider}/${search ? `?${search}` : ""}`);
  if (response.status !== 302) throw new Error(`start answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { response, authorizeUrl: new URL(response.headers.get("location")!) };
}

/**
 * What the person does at the fake provider: load its page, then press "Continue as
 * <user>" (or Deny). Returns where the provider sends the browser back to.
 */
export async function chooseAtProvider(authorizeUrl: URL, choice: { user: string } | { deny: true }): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`provider page answered ${page.status}: ${html}`);
  // The form posts the query back in hidden fields; send the same, plus the button pressed.
  const form = new URLSearchParams(authorizeUrl.searchParams);
  if ("deny" in choice) form.set("deny", "1");
  else form.set("user", choice.user);
  const decided = await fetch(new URL(authorizeUrl.pathname, authorizeUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  if (decided.status !== 302) throw new Error(`provider decision answered ${decided.status}: ${await decided.text()}`);
  return new URL(decided.headers.get("location")!);
}

/** GET the app's callback (with whatever cookies the client holds). */
export function returnToApp(client: ApiClient, callbackUrl: URL): Promise<ApiResponse> {
  return client.get(callbackUrl.pathname + callbackUrl.search);
}

/** The whole flow for one user: start → consent → callback. */
export async function signInThroughProvider(
  client: ApiClient,
  provider: "google" | "github",
  user: string,
  query: Record<string, string> = {},
): Promise<{ callback: ApiResponse; callbackUrl: URL; authorizeUrl: URL }> {
  const { authorizeUrl } = await startSocialFlow(client, provider, query);
  const callbackUrl = await chooseAtProvider(authorizeUrl, { user });
  const callback = await returnToApp(client, callbackUrl);
  return { callback, callbackUrl, authorizeUrl };
}

/**
 * The app with both providers pointed at a fresh fake that knows its callbacks: the built
 * server, or the app in the test's process (`start`: tests/support/in-process-app.ts).
 */
export async function startAppWithFakeProvider<A extends { url: string } = RunningApp>(
  options: {
    env?: Record<string, string>;
    providers?: Array<"google" | "github">;
    fake?: FakeOAuthOptions;
    start?: (options: { env: Record<string, string> }) => Promise<A>;
  } = {},
): Promise<{ app: A; fake: FakeOAuthProvider }> {
  const fake = await startFakeOAuthProvider(options.fake);
  const providers = options.providers ?? ["google", "github"];
  const env = Object.fromEntries(
    Object.entries(fake.env()).filter(([name]) => providers.some((p) => name.startsWith(p.toUpperCase() + "_"))),
  );
  const start = options.start ?? ((o: { env: Record<string, string> }) => startApp(o) as unknown as Promise<A>);
  const app = await start({ env: { ...env, ...options.env } });
  for (const provider of providers) fake.registerRedirectUri(provider, `${app.url}/api/auth/social/${provider}/callback/`);
  return { app, fake };
}
