import { defineConfig } from "@playwright/test";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RELAXED_LIMITS } from "./tests/support/limits";

// End-to-end tests drive the built app (`npm run build`, then `node server.js`, as
// `npm start` does) in a real Chromium. Two instances start per run, each on a fresh
// database: the main one with no social provider configured, and one with Google and
// GitHub configured, for the buttons and links that only appear then. Emails are read
// in the development mailbox (/dev/mail/), as a person would.

const PORT = Number(process.env.E2E_PORT || 3217);
const PROVIDERS_PORT = PORT + 1;
// The fake Google and GitHub (e2e/fake-oauth) that the providers server signs in through.
const FAKE_OAUTH_PORT = PORT + 2;
const FAKE_OAUTH_URL = `http://127.0.0.1:${FAKE_OAUTH_PORT}`;
const BASE_URL = `http://127.0.0.1:${PORT}`;

// This file is evaluated again in every worker; the first evaluation's choices travel
// to the workers (and to the web servers) through the environment.
process.env.E2E_DATA_DIR ||= mkdtempSync(path.join(tmpdir(), "gatehouse-e2e-"));
process.env.E2E_PROVIDERS_URL ||= `http://127.0.0.1:${PROVIDERS_PORT}`;
const dataDir = process.env.E2E_DATA_DIR;
mkdirSync(path.join(dataDir, "providers"), { recursive: true });
process.env.E2E_DB_PATH ||= path.join(dataDir, "gatehouse.db");
process.env.E2E_PROVIDERS_DB_PATH ||= path.join(dataDir, "providers", "gatehouse.db");


const serverEnv = (port: number, dbPath: string): Record<string, string> => ({
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  HOST: "127.0.0.1",
  PORT: String(port),
  // A loopback APP_URL keeps production mode off, so the development mailbox exists.
  APP_URL: `http://127.0.0.1:${port}`,
  DATABASE_URL: `file:${dbPath}`,
  // Whatever the shell or a .env file says, no email leaves this machine and no
  // provider is configured unless a server below says so.
  RESEND_API_KEY: "",
  GOOGLE_CLIENT_ID: "",
  GOOGLE_CLIENT_SECRET: "",
  GITHUB_CLIENT_ID: "",
  GITHUB_CLIENT_SECRET: "",
  REQUIRE_VERIFIED_EMAIL: "false",
  ...RELAXED_LIMITS,
});

// Debian's chromium here (and on CI); Playwright's own browser elsewhere.
const executablePath =
  process.env.CHROMIUM_PATH || (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

export default defineConfig({
  testDir: "e2e",
  // Overridable so that two runs in one checkout (two engineers) do not clear each other's.
  outputDir: process.env.E2E_OUTPUT_DIR || "test-results",
  globalTeardown: "./e2e/support/global-teardown.ts",
  fullyParallel: true,
  // Two cores here; each worker drives a browser against the same two servers.
  workers: 2,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 30_000,
  expect: { timeout: 7_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: process.env.E2E_REPORT_DIR || "playwright-report" }]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: [
    {
      name: "gatehouse",
      command: "node server.js",
      url: `${BASE_URL}/api/health/`,
      env: serverEnv(PORT, process.env.E2E_DB_PATH),
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      name: "gatehouse-with-providers",
      command: "node server.js",
      url: `${process.env.E2E_PROVIDERS_URL}/api/health/`,
      env: {
        ...serverEnv(PROVIDERS_PORT, process.env.E2E_PROVIDERS_DB_PATH),
        // Nothing may leave loopback: both providers are the fake below (`npm run
        // fake-oauth` prints these same values).
        GOOGLE_CLIENT_ID: "fake-google-client",
        GOOGLE_CLIENT_SECRET: "fake-google-secret",
        GITHUB_CLIENT_ID: "fake-github-client",
        GITHUB_CLIENT_SECRET: "fake-github-secret",
        GOOGLE_AUTH_URL: `${FAKE_OAUTH_URL}/google/authorize`,
        GOOGLE_TOKEN_URL: `${FAKE_OAUTH_URL}/google/token`,
        GOOGLE_USERINFO_URL: `${FAKE_OAUTH_URL}/google/userinfo`,
        GITHUB_AUTH_URL: `${FAKE_OAUTH_URL}/github/login/oauth/authorize`,
        GITHUB_TOKEN_URL: `${FAKE_OAUTH_URL}/github/login/oauth/access_token`,
        GITHUB_API_URL: `${FAKE_OAUTH_URL}/github/api`,
      },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      name: "fake-oauth",
      command: "npx tsx e2e/fake-oauth/cli.ts",
      port: FAKE_OAUTH_PORT,
      env: { FAKE_OAUTH_PORT: String(FAKE_OAUTH_PORT), APP_URL: process.env.E2E_PROVIDERS_URL },
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
