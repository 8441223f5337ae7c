import { defineConfig } from "@playwright/test";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from "./tests/support/chromium";
import { RELAXED_LIMITS } from "./tests/support/limits";

// End-to-end tests drive the built app (`node server.js`, as `npm start` does, in
// production mode) in a real Chromium. Two instances start per run, each on a fresh
// database: the main one with no social provider configured, and one with Google and
// GitHub configured, for the buttons and links that only appear then. Both send email
// through the real Resend SDK to a fake Resend API on loopback, where the tests read it
// (e2e/support/mailbox.ts).
//
// Two projects: `journeys` (e2e/*.spec.ts), which never wait on a screenshot or an
// accessibility scan, and `gallery` (e2e/gallery.spec.ts), one test per screen with
// axe and screenshots, on a budget of its own.

const PORT = Number(process.env.E2E_PORT || 3217);
const PROVIDERS_PORT = PORT + 1;
// The fake Google and GitHub (e2e/fake-oauth) that the providers server signs in through.
const FAKE_OAUTH_PORT = PORT + 2;
const FAKE_OAUTH_URL = `http://127.0.0.1:${FAKE_OAUTH_PORT}`;
// The fake Resend API (tests/support/fake-resend.ts) both servers send through.
const FAKE_RESEND_PORT = PORT + 3;
// The second app (e2e/rp-app, Auth.js) that signs in through the main server (OpenID Connect).
const RP_PORT = PORT + 4;
const RP_URL = `http://127.0.0.1:${RP_PORT}`;
// The main server is known as localhost: WebAuthn refuses IP addresses as a relying party,
// and the passkey journeys run there. It still listens on 127.0.0.1 only (HOST below), so
// the health check asks that address directly.
const BASE_URL = `http://localhost:${PORT}`;
const MAIN_HEALTH_URL = `http://127.0.0.1:${PORT}/api/health/`;
const OUTPUT_DIR = path.resolve(process.env.E2E_OUTPUT_DIR || "test-results");

// This file is evaluated again in every worker; the first evaluation's choices travel
// to the workers (and to the web servers) through the environment.
process.env.E2E_DATA_DIR ||= mkdtempSync(path.join(tmpdir(), "gatehouse-e2e-"));
process.env.E2E_PROVIDERS_URL ||= `http://127.0.0.1:${PROVIDERS_PORT}`;
process.env.E2E_RESEND_URL ||= `http://127.0.0.1:${FAKE_RESEND_PORT}`;
process.env.E2E_RESEND_API_KEY ||= `re_e2e_${randomBytes(12).toString("hex")}`;
// A production run needs a signing key (an Ed25519 private JWK); a fresh one per run.
process.env.E2E_SIGNING_KEY ||= JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }));
// The OpenID Connect provider's id_token key (an RSA private JWK) and the second app's secret.
process.env.E2E_OIDC_SIGNING_KEY ||= JSON.stringify(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }));
process.env.E2E_RP_SECRET ||= randomBytes(24).toString("hex");
process.env.E2E_RP_URL ||= RP_URL;
// Screenshots for people to look at (git-ignored, inside the output directory).
process.env.E2E_GALLERY_DIR ||= path.join(OUTPUT_DIR, "gallery");
const dataDir = process.env.E2E_DATA_DIR;
mkdirSync(path.join(dataDir, "providers"), { recursive: true });
process.env.E2E_DB_PATH ||= path.join(dataDir, "gatehouse.db");
process.env.E2E_PROVIDERS_DB_PATH ||= path.join(dataDir, "providers", "gatehouse.db");

const serverEnv = (port: number, dbPath: string, appUrl = `http://127.0.0.1:${port}`): Record<string, string> => ({
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  HOST: "127.0.0.1",
  PORT: String(port),
  APP_URL: appUrl,
  DATABASE_URL: `file:${dbPath}`,
  AUTH_SIGNING_KEY: process.env.E2E_SIGNING_KEY!,
  // Whatever the shell or a .env file says, email goes only to the fake Resend API on
  // loopback, and no provider is configured unless a server below says so.
  RESEND_API_KEY: process.env.E2E_RESEND_API_KEY!,
  RESEND_BASE_URL: process.env.E2E_RESEND_URL!,
  GOOGLE_CLIENT_ID: "",
  GOOGLE_CLIENT_SECRET: "",
  GITHUB_CLIENT_ID: "",
  GITHUB_CLIENT_SECRET: "",
  REQUIRE_VERIFIED_EMAIL: "false",
  ...RELAXED_LIMITS,
});

// A server that dies during the run otherwise shows only as "connection refused" in
// every later test; this says when and how (a signal shows as 128 + its number; server.js
// exits 0 on SIGTERM). At the end of the run Playwright kills the whole process group,
// so nothing is printed then.
const serverCommand = (name: string) =>
  `node scripts/ensure-build.mjs && node server.js; echo "[${name}] server.js exited with status $? at $(date +%T)" >&2`;

export default defineConfig({
  testDir: "e2e",
  // Overridable so that two runs in one checkout (two engineers) do not clear each other's.
  outputDir: OUTPUT_DIR,
  globalTeardown: "./e2e/support/global-teardown.ts",
  fullyParallel: true,
  // Two cores here; each worker drives a browser against the same two servers.
  workers: 2,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  // Budgets with room for two cores that other work shares: a journey takes 2-10 s idle.
  timeout: 45_000,
  expect: { timeout: 10_000 },
  reporter: [
    ["list"],
    ["./e2e/support/duration-reporter.ts"],
    ["html", { open: "never", outputFolder: process.env.E2E_REPORT_DIR || "playwright-report" }],
  ],
  use: {
    baseURL: BASE_URL,
    // A failed test keeps a trace of DOM snapshots (and its screenshot below). The trace's
    // screencast is off: recorded for every test and thrown away on success, it made the
    // journeys take 4.6 minutes instead of 2.6 on two cores (docs/benchmarks.md, test time).
    trace: { mode: "retain-on-failure", screenshots: false, snapshots: true, sources: false },
    screenshot: "only-on-failure",
    // Debian's headless shell or chromium here and on CI (tests/support/chromium.ts).
    launchOptions: { executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS },
  },
  projects: [
    { name: "journeys", use: { browserName: "chromium" }, testIgnore: /gallery\.spec\.ts$/ },
    {
      name: "gallery",
      use: { browserName: "chromium" },
      testMatch: /gallery\.spec\.ts$/,
      // One screen per test: four screenshots and two axe scans, each a few seconds on
      // a busy two-core machine.
      timeout: 120_000,
    },
  ],
  webServer: [
    {
      name: "fake-resend",
      command: "npx tsx tests/support/fake-resend-cli.ts",
      url: `${process.env.E2E_RESEND_URL}/health`,
      env: { FAKE_RESEND_PORT: String(FAKE_RESEND_PORT), FAKE_RESEND_API_KEY: process.env.E2E_RESEND_API_KEY },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      name: "gatehouse",
      // Never test an old build: rebuild first when a source file is newer than .next/.
      // Not in a globalSetup, because Playwright starts web servers before globalSetup
      // runs. Web servers start one after another, so the second finds the build fresh.
      command: serverCommand("gatehouse"),
      url: MAIN_HEALTH_URL,
      env: {
        ...serverEnv(PORT, process.env.E2E_DB_PATH, BASE_URL),
        // The second app (e2e/rp-app): a third-party one, so the consent page shows.
        OIDC_CLIENTS: JSON.stringify([
          {
            client_id: "team-wiki",
            client_secret: process.env.E2E_RP_SECRET,
            name: "Team Wiki",
            redirect_uris: [`${RP_URL}/api/auth/callback/gatehouse`],
            post_logout_redirect_uris: [`${RP_URL}/`],
          },
        ]),
        OIDC_SIGNING_KEY: process.env.E2E_OIDC_SIGNING_KEY!,
      },
      reuseExistingServer: false,
      // Room for a build on a busy machine.
      timeout: 300_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      name: "gatehouse-with-providers",
      command: serverCommand("gatehouse-with-providers"),
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
      name: "rp-app",
      // Built here when stale (`npm test` builds it beside Gatehouse's own build).
      command: `node e2e/rp-app/build.mjs && node node_modules/next/dist/bin/next start e2e/rp-app -H 127.0.0.1 -p ${RP_PORT}`,
      url: `${RP_URL}/api/auth/providers`,
      env: {
        NEXT_TELEMETRY_DISABLED: "1",
        NEXTAUTH_URL: RP_URL,
        NEXTAUTH_SECRET: process.env.E2E_RP_SECRET!,
        GATEHOUSE_ISSUER: BASE_URL,
        GATEHOUSE_CLIENT_ID: "team-wiki",
        GATEHOUSE_CLIENT_SECRET: process.env.E2E_RP_SECRET!,
        // Gatehouse listens on 127.0.0.1; its issuer says localhost.
        NODE_OPTIONS: "--dns-result-order=ipv4first",
      },
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      name: "fake-oauth",
      command: "npx tsx e2e/fake-oauth/cli.ts",
      port: FAKE_OAUTH_PORT,
      env: { FAKE_OAUTH_PORT: String(FAKE_OAUTH_PORT), APP_URL: process.env.E2E_PROVIDERS_URL },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
