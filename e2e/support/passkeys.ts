import type { Page } from "@playwright/test";

/**
 * A platform authenticator in Chromium (CDP's WebAuthn domain) that holds discoverable
 * credentials and verifies the user. The page must be on the localhost server: WebAuthn
 * refuses an IP address as a relying party (playwright.config.ts).
 */
export async function addVirtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return {
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
  };
}
