import { describe, expect, it } from "vitest";
import { deliverPendingEmails } from "@/lib/email/send";
import { ApiClient, parseSetCookie } from "../support/client";
import { linkIn, startFakeResend, type FakeResend } from "../support/fake-resend";
import { inProcessAppPerTest } from "../support/in-process-app";
import { expectConsoleError } from "../support/unit-setup";

// Configuration, abuse limits, email failures, through the API in-process: each test
// starts the app with the settings it is about. What stops a real process at startup,
// and what a production run never serves, is tests/integration/production.test.ts's.

const PASSWORD = "lantern orchard seventeen";

const { app, defer } = inProcessAppPerTest();

async function fakeResend(): Promise<FakeResend> {
  const started = await startFakeResend();
  defer(() => started.stop());
  return started;
}

describe("configuration", () => {
  it("signs the refresh cookie Secure and the emailed links https when APP_URL is https", async () => {
    const secure = await app({ env: { APP_URL: "https://auth.example.com" } });
    const client = new ApiClient(secure.url);
    expect((await client.post("/api/auth/register/", { username: "produser", email: "prod@example.com", password: PASSWORD })).status).toBe(201);
    const login = await client.post("/api/auth/login/", { email: "prod@example.com", password: PASSWORD });
    expect(login.status).toBe(200);
    // Every one: the refresh cookie and the session hint among them.
    const set = login.setCookies.map((c) => parseSetCookie(c));
    expect(set.map((c) => c.name)).toEqual(expect.arrayContaining(["refresh_token", "has_session"]));
    for (const cookie of set) expect(cookie.attributes.secure, cookie.name).toBe(true);
    expect(linkIn(await secure.mail.waitForEmail("prod@example.com"), "https://auth.example.com/verify-email/?token=")).toBeTruthy();
  });

  it("refuses login of an unverified account when REQUIRE_VERIFIED_EMAIL=true", async () => {
    const strict = await app({ env: { REQUIRE_VERIFIED_EMAIL: "true" } });
    const client = new ApiClient(strict.url);
    await client.post("/api/auth/register/", { username: "strict", email: "strict@example.com", password: PASSWORD });
    const refused = await client.post("/api/auth/login/", { email: "strict@example.com", password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ detail: "Email not verified", code: "email_not_verified" });
    expect(refused.setCookies).toEqual([]);
    // A wrong password still gets the generic answer: the 403 is only for the owner.
    const wrong = await client.post("/api/auth/login/", { email: "strict@example.com", password: "wrong wrong wrong" });
    expect(wrong.status).toBe(400);
    await strict.db().run("update users set email_verified = true");
    expect((await client.post("/api/auth/login/", { email: "strict@example.com", password: PASSWORD })).status).toBe(200);
  });
});

describe("email delivery failures", () => {
  it("keeps the registration when Resend fails, logs without the key, and recovers", async () => {
    const resend = await fakeResend();
    const running = await app({ env: { RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url } });
    expectConsoleError(/email delivery failed/);
    resend.failNext(1, 500);
    const client = new ApiClient(running.url);
    const res = await client.post("/api/auth/register/", { username: "unlucky", email: "unlucky@example.com", password: PASSWORD });
    expect(res.status).toBe(201);
    await expect.poll(() => running.logs(), { timeout: 5000 }).toContain("email delivery failed");
    expect(running.logs()).not.toContain(resend.apiKey);
    expect(resend.messages).toHaveLength(0);

    // The account exists and can log in; the owner asks again and the email arrives.
    expect((await client.post("/api/auth/login/", { email: "unlucky@example.com", password: PASSWORD })).status).toBe(200);
    expect((await client.post("/api/auth/verify-email/resend/", { email: "unlucky@example.com" })).status).toBe(202);
    await resend.waitForEmail("unlucky@example.com");
  });

  it("refuses to send with a wrong API key, and delivers what was queued once the right key is configured", async () => {
    const resend = await fakeResend();
    const running = await app({ env: { RESEND_BASE_URL: resend.url, RESEND_API_KEY: "re_wrong_key" } });
    expectConsoleError(/email delivery failed/);
    const client = new ApiClient(running.url);
    expect((await client.post("/api/auth/register/", { username: "queued", email: "queued@example.com", password: PASSWORD })).status).toBe(201);
    expect(resend.refusals[0]).toEqual({ status: 401, reason: "invalid_api_key" });
    expect(running.logs()).not.toContain("re_wrong_key");
    expect(await running.db().get("select status from emails")).toEqual({ status: "pending" });

    // Started again with the right key, the first thing the server does is deliver what is
    // queued (lib/startup.ts); that a restarted server does is tests/integration/crash-safety.test.ts's.
    await running.restart({ RESEND_API_KEY: resend.apiKey });
    await deliverPendingEmails();
    const email = await resend.waitForEmail("queued@example.com");
    expect(linkIn(email, `${running.url}/verify-email/?token=`)).toBeTruthy();
    // Info lines are written once per turn of the event loop (lib/log.ts): the delivery's comes just after.
    await expect.poll(() => running.logs(), { message: "the delivery's log line" }).toContain("email sent");
  });
});

describe("abuse limits", () => {
  const login = (client: ApiClient, email: string, password = PASSWORD, headers: Record<string, string> = {}) =>
    client.post("/api/auth/login/", { email, password }, headers);

  it("limits logins per client IP, and a forged X-Forwarded-For does not escape it", async () => {
    const limited = await app({ relaxedLimits: false, env: { RATE_LIMIT_LOGIN_PER_IP: "3" } });
    const client = new ApiClient(limited.url);
    for (let i = 0; i < 3; i++) {
      const res = await login(client, `someone${i}@example.com`, "whatever pass", { "x-forwarded-for": `10.0.0.${i}` });
      expect(res.status).toBe(400);
    }
    const refused = await login(client, "someone9@example.com", "whatever pass", { "x-forwarded-for": "10.9.9.9" });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({ detail: `Too many requests. Try again in ${retryAfter} seconds.` });
  });

  it("limits token refreshes and the other /api/auth/ requests per IP, each on its own budget", async () => {
    const limited = await app({ relaxedLimits: false, env: { RATE_LIMIT_REFRESH_PER_IP: "2", RATE_LIMIT_API_PER_IP: "3" } });
    const client = new ApiClient(limited.url);
    for (let i = 0; i < 2; i++) expect((await client.post("/api/auth/token/refresh/")).status).toBe(400);
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await client.get("/api/auth/me/")).status).toBe(401);
    const me = await client.get("/api/auth/me/");
    expect(me.status).toBe(429);
    expect(Number(me.headers.get("retry-after"))).toBeGreaterThan(0);
    // Health checks from a load balancer are never limited.
    for (let i = 0; i < 5; i++) expect((await client.get("/api/health/")).status).toBe(200);
  });

  it("with TRUST_PROXY=true counts the address the proxy appended", async () => {
    const proxied = await app({ relaxedLimits: false, env: { RATE_LIMIT_LOGIN_PER_IP: "2", TRUST_PROXY: "true" } });
    const client = new ApiClient(proxied.url);
    const from = (ip: string) => login(client, "x@example.com", "whatever pass", { "x-forwarded-for": `203.0.113.50, ${ip}` });
    expect((await from("198.51.100.1")).status).toBe(400);
    expect((await from("198.51.100.1")).status).toBe(400);
    expect((await from("198.51.100.1")).status).toBe(429);
    expect((await from("198.51.100.2")).status).toBe(400);
  });

  it("locks an address after repeated failures, even for the right password, the same for unknown addresses", async () => {
    const locking = await app({ relaxedLimits: false, env: { RATE_LIMIT_LOGIN_FAILURES: "3", RATE_LIMIT_LOGIN_PER_IP: "100" } });
    const client = new ApiClient(locking.url);
    await client.post("/api/auth/register/", { username: "locked", email: "locked@example.com", password: PASSWORD });
    for (const email of ["locked@example.com", "ghost@example.com"]) {
      for (let i = 0; i < 3; i++) expect((await login(client, email, "wrong password")).status).toBe(400);
      const res = await login(client, email, PASSWORD);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(30);
    }
  });

  it("limits registrations and email requests per IP, and keeps counting across a restart", async () => {
    const env = { RATE_LIMIT_REGISTER_PER_IP: "2", RATE_LIMIT_EMAIL_PER_IP: "2" };
    const first = await app({ relaxedLimits: false, env });
    const client = new ApiClient(first.url);
    for (let i = 0; i < 2; i++) {
      expect((await client.post("/api/auth/register/", { username: `r${i}`, email: `r${i}@example.com`, password: PASSWORD })).status).toBe(201);
    }
    expect((await client.post("/api/auth/register/", { username: "r9", email: "r9@example.com", password: PASSWORD })).status).toBe(429);
    expect((await client.post("/api/auth/verify-email/resend/", { email: "anyone@example.com" })).status).toBe(202);
    expect((await client.post("/api/auth/password/reset/", { email: "other@example.com" })).status).toBe(202);
    // Resend and reset share the per-IP email budget.
    expect((await client.post("/api/auth/verify-email/resend/", { email: "third@example.com" })).status).toBe(429);

    // The counts are in the database: the app as a new process would be, on the same file.
    await first.restart();
    const again = new ApiClient(first.url);
    expect((await again.post("/api/auth/register/", { username: "r8", email: "r8@example.com", password: PASSWORD })).status).toBe(429);
  });
});

