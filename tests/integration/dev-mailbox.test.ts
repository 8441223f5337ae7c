import { describe, expect, it } from "vitest";
import { appPerTest } from "../support/app";
import { ApiClient } from "../support/client";

// The development mailbox under `npm run dev` (server.js --dev). A file of its own: the
// dev server compiles each route on first request (about 25-35 s here), the longest
// single test of the suite, and the integration project starts it first
// (RUN_FIRST in vitest.config.ts) so that other files run beside it.

const PASSWORD = "lantern orchard seventeen";

const { app } = appPerTest();

describe("development mailbox (npm run dev only)", () => {
  it("keeps emails in the database and lists them newest first, links clickable", async () => {
    const dev = await app({ dev: true });
    const client = new ApiClient(dev.url);
    await client.post("/api/auth/register/", { username: "mail1", email: "mail1@example.com", password: PASSWORD });
    await client.post("/api/auth/register/", { username: "mail2", email: "mail2@example.com", password: PASSWORD });
    const list = await (await fetch(`${dev.url}/dev/mail/`)).text();
    expect(list.indexOf("mail2@example.com")).toBeGreaterThan(-1);
    expect(list.indexOf("mail2@example.com")).toBeLessThan(list.indexOf("mail1@example.com"));
    const id = ((await dev.db().get("select id from emails where \"to\" = ?", "mail1@example.com")) as { id: number }).id;
    const message = await (await fetch(`${dev.url}/dev/mail/${id}/`)).text();
    expect(message).toMatch(new RegExp(`<a href="${dev.url}/verify-email/\\?token=[A-Za-z0-9_-]{43}"`));
    expect(message).toMatch(/expires in 24 hours/);
    const html = await fetch(`${dev.url}/dev/mail/${id}/html/`);
    expect(html.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(await html.text()).toContain("Verify email address");
  });
});
