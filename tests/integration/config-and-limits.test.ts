import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appPerTest, freePort, runServerExpectingExit, startApp } from "../support/app";
import { ApiClient, parseSetCookie } from "../support/client";
import { linkIn, startFakeResend, type FakeResend } from "../support/fake-resend";

// Configuration at startup, production mode, abuse limits, email failures: each test
// starts the app with the settings it is about.

const PASSWORD = "lantern orchard seventeen";
const SIGNING_KEY = JSON.stringify({
  kty: "OKP",
  crv: "Ed25519",
  x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
  d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
});

const { app, defer } = appPerTest();

async function fakeResend(): Promise<FakeResend> {
  const started = await startFakeResend();
  defer(() => started.stop());
  return started;
}

describe("startup configuration", () => {
  it("stops on a bad value, naming the variable", async () => {
    const { code, output } = await runServerExpectingExit({ ACCESS_TOKEN_TTL: "fifteen minutes", APP_URL: "not a url" });
    expect(code).toBe(1);
    expect(output).toContain("Invalid environment variables");
    expect(output).toMatch(/ACCESS_TOKEN_TTL: /);
    expect(output).toMatch(/APP_URL: /);
  });

  it("stops with an error naming the host when PostgreSQL cannot be reached, never printing the password", async () => {
    const port = await freePort(); // nothing listens there
    const { code, output } = await runServerExpectingExit({
      DATABASE_URL: `postgres://gatehouse:hunter2secret@127.0.0.1:${port}/gatehouse`,
      AUTH_SIGNING_KEY: SIGNING_KEY,
      RESEND_API_KEY: "re_unused",
    });
    expect(code).toBe(1);
    expect(output).toContain(`cannot reach PostgreSQL at 127.0.0.1:${port}/gatehouse (ECONNREFUSED)`);
    expect(output).not.toContain("hunter2secret");
  });

  it("refuses a signing key that is not an Ed25519 private JWK", async () => {
    const { code, output } = await runServerExpectingExit({ AUTH_SIGNING_KEY: '{"kty":"RSA"}' });
    expect(code).toBe(1);
    expect(output).toMatch(/AUTH_SIGNING_KEY: must be an Ed25519 private key/);
  });

  it("runs on https with its keys: Secure cookie, HSTS, no development mailbox; named as APP_NAME says", async () => {
    const resend = await fakeResend();
    const prod = await app({
      env: {
        APP_NAME: "Acme Accounts",
        APP_URL: "https://auth.example.com",
        AUTH_SIGNING_KEY: SIGNING_KEY,
        RESEND_API_KEY: resend.apiKey,
        RESEND_BASE_URL: resend.url,
      },
    });
    const client = new ApiClient(prod.url);
    expect((await client.post("/api/auth/register/", { username: "produser", email: "prod@example.com", password: PASSWORD })).status).toBe(201);
    const login = await client.post("/api/auth/login/", { email: "prod@example.com", password: PASSWORD });
    expect(login.status).toBe(200);
    // Every one: the refresh cookie and the session hint among them (https APP_URL).
    const set = login.setCookies.map((c) => parseSetCookie(c));
    expect(set.map((c) => c.name)).toEqual(expect.arrayContaining(["refresh_token", "has_session"]));
    for (const cookie of set) expect(cookie.attributes.secure, cookie.name).toBe(true);
    const jwks = await client.get("/.well-known/jwks.json");
    expect(jwks.body.keys[0].x).toBe(JSON.parse(SIGNING_KEY).x);
    expect((await fetch(`${prod.url}/dev/mail/`)).status).toBe(404);
    const page = await fetch(`${prod.url}/dev/mail/`);
    expect(page.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    const email = await resend.waitForEmail("prod@example.com");
    expect(linkIn(email, "https://auth.example.com/verify-email/?token=")).toBeTruthy();
    // APP_NAME: the sender, the words of the email, the page title and header.
    expect(JSON.stringify(email)).toContain("Acme Accounts <no-reply@localhost>");
    expect(JSON.stringify(email)).toContain("Confirm your email address for Acme Accounts");
    const login_page = await (await fetch(`${prod.url}/login/`)).text();
    expect(login_page).toContain("<title>Sign in · Acme Accounts</title>");
    expect(login_page).not.toContain("Gatehouse");
    // Delivered mail leaves no copy of its single-use link behind.
    const row = (await prod.db().get("select status, text, html from emails")) as Record<string, unknown>;
    expect(row).toEqual({ status: "sent", text: null, html: null });
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

  it("refuses to send with a wrong API key, and delivers what was queued after a restart", async () => {
    const resend = await fakeResend();
    const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-restart-"));
    defer(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { RESEND_BASE_URL: resend.url };
    const first = await startApp({ dataDir, env: { ...env, RESEND_API_KEY: "re_wrong_key" } });
    const client = new ApiClient(first.url);
    expect((await client.post("/api/auth/register/", { username: "queued", email: "queued@example.com", password: PASSWORD })).status).toBe(201);
    await expect.poll(() => resend.refusals.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(resend.refusals[0]).toEqual({ status: 401, reason: "invalid_api_key" });
    expect(first.logs()).not.toContain("re_wrong_key");
    await first.stop();

    const second = await app({ dataDir, env: { ...env, RESEND_API_KEY: resend.apiKey } });
    const email = await resend.waitForEmail("queued@example.com");
    expect(linkIn(email, `${first.url}/verify-email/?token=`)).toBeTruthy();
    // The log line follows Resend's answer, so it may land just after the message does.
    await expect.poll(() => second.logs(), { timeout: 5000 }).toContain("email sent");
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
    const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-limits-"));
    defer(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { RATE_LIMIT_REGISTER_PER_IP: "2", RATE_LIMIT_EMAIL_PER_IP: "2" };
    const first = await startApp({ dataDir, relaxedLimits: false, env });
    const client = new ApiClient(first.url);
    for (let i = 0; i < 2; i++) {
      expect((await client.post("/api/auth/register/", { username: `r${i}`, email: `r${i}@example.com`, password: PASSWORD })).status).toBe(201);
    }
    expect((await client.post("/api/auth/register/", { username: "r9", email: "r9@example.com", password: PASSWORD })).status).toBe(429);
    expect((await client.post("/api/auth/verify-email/resend/", { email: "anyone@example.com" })).status).toBe(202);
    expect((await client.post("/api/auth/password/reset/", { email: "other@example.com" })).status).toBe(202);
    // Resend and reset share the per-IP email budget.
    expect((await client.post("/api/auth/verify-email/resend/", { email: "third@example.com" })).status).toBe(429);
    await first.stop();

    const second = await app({ dataDir, relaxedLimits: false, env });
    const again = new ApiClient(second.url);
    expect((await again.post("/api/auth/register/", { username: "r8", email: "r8@example.com", password: PASSWORD })).status).toBe(429);
  });
});

describe("CORS for listed origins", () => {
  it("answers preflights and credentialed requests from a listed origin only", async () => {
    const spa = "https://spa.example";
    const cors = await app({ env: { CORS_ALLOWED_ORIGINS: `${spa}, https://other.example` } });
    const client = new ApiClient(cors.url);
    const preflight = await client.request("OPTIONS", "/api/auth/token/refresh/", {
      headers: { origin: spa, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(spa);
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");

    await client.post("/api/auth/register/", { username: "spa", email: "spa@example.com", password: PASSWORD });
    const login = await client.post("/api/auth/login/", { email: "spa@example.com", password: PASSWORD }, { origin: spa });
    expect(login.headers.get("access-control-allow-origin")).toBe(spa);
    expect(login.headers.get("vary")).toMatch(/Origin/i);
    const refresh = await client.post("/api/auth/token/refresh/", undefined, { origin: spa });
    expect(refresh.status).toBe(200);

    const foreign = await client.post("/api/auth/token/refresh/", undefined, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });
});
