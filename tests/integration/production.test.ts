import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appPerTest, freePort, ROOT, runServerExpectingExit, TEST_SIGNING_KEY } from "../support/app";
import { ApiClient, parseSetCookie } from "../support/client";
import { linkIn, startFakeResend } from "../support/fake-resend";

// How the real process starts and runs in production (docs/security.md, deployment;
// README "Configuration"): what stops it at startup, what a production run never serves
// whatever its variables say, and a careless deployment under plain `next start`. Each
// needs a process of its own: the run mode is how the server was started.

const PASSWORD = "lantern orchard seventeen";
const { app, defer } = appPerTest();

const SIGNING_KEY = JSON.stringify({
  kty: "OKP",
  crv: "Ed25519",
  x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
  d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
});

const newKey = (kid: string) => ({ ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid });

describe("startup refuses what it cannot run safely, naming the variable", () => {
  const ignoredDevEnv = { NODE_ENV: "development" };
  const example = Object.fromEntries(
    readFileSync(path.join(ROOT, ".env.example"), "utf8")
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  const nextStart = ["node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", "{PORT}"];

  it("refuses to start without each key, whatever APP_URL says and however it is started, naming each", async () => {
    const cases: Array<{ name: string; env: Record<string, string>; args?: string[]; missing: string[] }> = [
      { name: "nothing set", env: {}, missing: ["AUTH_SIGNING_KEY", "RESEND_API_KEY"] },
      { name: "localhost, no signing key", env: { APP_URL: "http://localhost:3000", RESEND_API_KEY: "re_x" }, missing: ["AUTH_SIGNING_KEY"] },
      { name: "loopback, no Resend key", env: { APP_URL: "http://127.0.0.1:3000", AUTH_SIGNING_KEY: TEST_SIGNING_KEY }, missing: ["RESEND_API_KEY"] },
      { name: ".env.example as is", env: example, missing: ["AUTH_SIGNING_KEY", "RESEND_API_KEY"] },
      { name: "NODE_ENV=development to npm start", env: { ...ignoredDevEnv }, missing: ["AUTH_SIGNING_KEY", "RESEND_API_KEY"] },
      { name: "NODE_ENV=test to npm start", env: { NODE_ENV: "test" }, missing: ["AUTH_SIGNING_KEY", "RESEND_API_KEY"] },
      { name: "next start", env: { ...ignoredDevEnv, RESEND_API_KEY: "re_x" }, args: nextStart, missing: ["AUTH_SIGNING_KEY"] },
    ];
    const runs = await Promise.all(cases.map((c) => runServerExpectingExit(c.env, { args: c.args, timeoutMs: 120_000 })));
    for (const [i, { code, output }] of runs.entries()) {
      const { name, missing } = cases[i]!;
      expect(code, `${name}:\n${output}`).not.toBe(0);
      expect(code, `${name}: it did not exit by itself within 120 s (serving, or a machine too busy):\n${output}`).not.toBeNull();
      for (const variable of ["AUTH_SIGNING_KEY", "RESEND_API_KEY"]) {
        const named = new RegExp(`${variable}: is required in production`);
        if (missing.includes(variable)) expect(output, name).toMatch(named);
        else expect(output, name).not.toMatch(named);
      }
    }
    expect(runs[4]!.output).toContain("NODE_ENV=development ignored");
  });

  it("stops on a bad value, an unreachable PostgreSQL, a key that is not Ed25519, two keys under one kid", async () => {
    const port = await freePort(); // nothing listens there
    const [oldKey, nextKey] = [newKey("2026-old"), newKey("2026-next")];
    const [badValue, postgres, rsa, twoKids] = await Promise.all([
      runServerExpectingExit({ ACCESS_TOKEN_TTL: "fifteen minutes", APP_URL: "not a url" }, { timeoutMs: 120_000 }),
      runServerExpectingExit(
        { DATABASE_URL: `postgres://gatehouse:hunter2secret@127.0.0.1:${port}/gatehouse`, AUTH_SIGNING_KEY: SIGNING_KEY, RESEND_API_KEY: "re_unused" },
        { timeoutMs: 120_000 },
      ),
      runServerExpectingExit({ AUTH_SIGNING_KEY: '{"kty":"RSA"}' }, { timeoutMs: 120_000 }),
      runServerExpectingExit(
        { AUTH_SIGNING_KEYS: JSON.stringify([oldKey, { ...nextKey, kid: oldKey.kid }]), AUTH_SIGNING_KID: oldKey.kid, RESEND_API_KEY: "re_x" },
        { timeoutMs: 120_000 },
      ),
    ]);
    expect(badValue.code, badValue.output).toBe(1);
    expect(badValue.output).toContain("Invalid environment variables");
    expect(badValue.output).toMatch(/ACCESS_TOKEN_TTL: /);
    expect(badValue.output).toMatch(/APP_URL: /);

    expect(postgres.code, postgres.output).toBe(1);
    expect(postgres.output).toContain(`cannot reach PostgreSQL at 127.0.0.1:${port}/gatehouse (ECONNREFUSED)`);
    expect(postgres.output).not.toContain("hunter2secret");

    expect(rsa.code, rsa.output).toBe(1);
    expect(rsa.output).toMatch(/AUTH_SIGNING_KEY: must be an Ed25519 private key/);

    expect(twoKids.code, twoKids.output).not.toBe(0);
    expect(twoKids.code, twoKids.output).not.toBeNull();
    expect(twoKids.output).toContain(`AUTH_SIGNING_KEYS: key 2 ("${oldKey.kid}"): kid is used by an earlier key; kids must be unique`);
    expect(twoKids.output).not.toContain(nextKey.d);
  });
});

describe("a production run", () => {
  it("runs on https with its keys: Secure cookie, HSTS, no development mailbox; named as APP_NAME says", async () => {
    const resend = await startFakeResend();
    defer(() => resend.stop());
    const prod = await app({
      env: { APP_NAME: "Acme Accounts", APP_URL: "https://auth.example.com", AUTH_SIGNING_KEY: SIGNING_KEY, RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url },
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
    const page = await fetch(`${prod.url}/dev/mail/`);
    expect(page.status).toBe(404);
    expect(page.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    const email = await resend.waitForEmail("prod@example.com");
    expect(linkIn(email, "https://auth.example.com/verify-email/?token=")).toBeTruthy();
    // APP_NAME: the sender, the words of the email, the page title and header.
    expect(JSON.stringify(email)).toContain("Acme Accounts <no-reply@localhost>");
    expect(JSON.stringify(email)).toContain("Confirm your email address for Acme Accounts");
    const loginPage = await (await fetch(`${prod.url}/login/`)).text();
    expect(loginPage).toContain("<title>Sign in · Acme Accounts</title>");
    expect(loginPage).not.toContain("Gatehouse");
    // Delivered mail leaves no copy of its single-use link behind (the row is marked once Resend answered).
    await expect.poll(() => prod.db().get("select status, text, html from emails"), { timeout: 30_000, message: "the outbox row marked sent" }).toEqual({ status: "sent", text: null, html: null });
  });

  it("never serves the development mailbox, nor development's relaxed CSP, in a production run", async () => {
    // Loopback APP_URL and NODE_ENV=development: the two things that used to mean development.
    const prod = await app({ env: { APP_URL: "", NODE_ENV: "development" } });
    const client = new ApiClient(prod.url);
    expect((await client.post("/api/auth/register/", { username: "mailme", email: "mailme@example.com", password: PASSWORD })).status).toBe(201);
    await prod.mail.waitForEmail("mailme@example.com");
    const id = ((await prod.db().get("select id from emails")) as { id: number }).id;
    for (const page of ["/dev/mail/", `/dev/mail/${id}/`, `/dev/mail/${id}/html/`]) {
      expect((await fetch(prod.url + page)).status, page).toBe(404);
    }
    const csp = (await fetch(`${prod.url}/login/`)).headers.get("content-security-policy")!;
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toContain("unsafe-inline");
    expect(prod.logs()).toMatch(/"mode":"production"/);
  });
});

describe("a careless deployment", () => {
  it("under plain `next start`, ignores the client-IP header a client forges, and says so at startup", async () => {
    const server = await app({ nextStart: true, relaxedLimits: false, env: { RATE_LIMIT_LOGIN_PER_IP: "2", RATE_LIMIT_LOGIN_FAILURES: "1000" } });
    expect(server.logs()).toContain("WARN started without server.js");
    const client = new ApiClient(server.url);
    const login = (ip: string) => client.post("/api/auth/login/", { email: "x@example.com", password: "some password" }, { "x-gatehouse-client-ip": ip });
    for (let i = 0; i < 2; i++) expect((await login(`192.0.2.${i}`)).status).toBe(400);
    expect((await login("192.0.2.99")).status).toBe(429);
  });
});
