import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { expect } from "vitest";
import { ROOT } from "./app";
import { ApiClient, type ApiResponse } from "./client";
import type { TestDatabase } from "./test-database";

// Accounts for the tests of the account's lifecycle and administration, made through the
// API as a client would (the address verified in the database: its link has its own
// tests), with TOTP on where a second factor is needed, and the administrator role granted
// in the database (the real CLI, `npm run admin`, has its own test). For the built server
// (tests/support/app.ts) and the in-process app (tests/support/in-process-app.ts) alike.

/** What these helpers need of an app: the built server and the in-process app both have it. */
export type App = { url: string; databaseUrl: string; db(): TestDatabase };

export const PASSWORD = "amber orchard lantern";
export const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

/** The RFC 6238 code of `secret` at the current time step plus `offset`. */
export const totp = (secret: string, offset = 0) =>
  generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(Date.now() / 30_000) + offset), 6);

export type Device = {
  client: ApiClient;
  access: string;
  headers: Record<string, string>;
  call: (method: string, path: string, json?: unknown) => Promise<ApiResponse>;
};

const device = (client: ApiClient, access: string): Device => {
  const headers = { authorization: `Bearer ${access}`, "user-agent": UA };
  return { client, access, headers, call: (method, path, json) => client.request(method, path, { json, headers }) };
};

/** Register `name@example.com` through the API, verified unless told otherwise. */
export async function register(app: App, name: string, options: { verified?: boolean; username?: string } = {}): Promise<{ email: string; username: string; id: number }> {
  const email = `${name}@example.com`;
  const username = options.username ?? name;
  const res = await new ApiClient(app.url).post("/api/auth/register/", { username, email, password: PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  if (options.verified !== false) await app.db().run("update users set email_verified = true where email = ?", email);
  const row = await app.db().get<{ id: number }>("select id from users where email = ?", email);
  return { email, username, id: Number(row!.id) };
}

/** A password sign-in (no second factor on): its own client, with the refresh cookie. */
export async function signIn(app: App, email: string): Promise<Device> {
  const client = new ApiClient(app.url);
  const login = await client.post("/api/auth/login/", { email, password: PASSWORD }, { "user-agent": UA });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  expect(login.body.access).toEqual(expect.any(String));
  return device(client, login.body.access);
}

/**
 * Turn TOTP on for the account (confirmed with this step's code), then sign in again
 * with the password and the next step's code: a session whose second factor is TOTP, as an
 * administrator's must be. Returns that session and the secret.
 */
export async function signInWithTotp(app: App, email: string): Promise<Device & { secret: string }> {
  const first = await signIn(app, email);
  const setup = await first.call("POST", "/api/auth/mfa/totp/setup/");
  expect(setup.status).toBe(200);
  const secret = setup.body.secret as string;
  expect((await first.call("POST", "/api/auth/mfa/totp/confirm/", { code: totp(secret) })).status).toBe(200);
  const client = new ApiClient(app.url);
  const login = await client.post("/api/auth/login/", { email, password: PASSWORD }, { "user-agent": UA });
  expect(login.body.mfa_required).toBe(true);
  // The confirmation spent this step: the next one (within the ±1 step of drift).
  const verified = await client.post("/api/auth/mfa/verify/", { mfa_token: login.body.mfa_token, code: totp(secret, 1) }, { "user-agent": UA });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return { ...device(client, verified.body.access), secret };
}

export type Cli = { code: number | null; stdout: string; stderr: string };

/** `npm run admin -- ARGS` against the app's database, with DATABASE_URL alone, as from the server's shell. */
export function adminCli(databaseUrl: string, args: string[]): Promise<Cli> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", "admin", "--", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), DATABASE_URL: databaseUrl, NEXT_TELEMETRY_DISABLED: "1" } as Record<string, string> as NodeJS.ProcessEnv,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** An administrator with TOTP, signed in with it; the role granted in the database (the CLI has its own test). */
export async function administrator(app: App, name: string): Promise<Device & { email: string; id: number; secret: string }> {
  const account = await register(app, name);
  await app.db().run("update users set role = 'admin' where id = ?", account.id);
  return { ...(await signInWithTotp(app, account.email)), email: account.email, id: account.id };
}

/** Make the account's sessions older than REAUTH_MAX_AGE (10 minutes): no recent sign-in. */
export async function ageSessions(app: App, userId: number): Promise<void> {
  await app.db().run("update sessions set created_at = ? where user_id = ?", Date.now() - 11 * 60_000, userId);
  await app.db().run("delete from session_reauthentications where session_id in (select id from sessions where user_id = ?)", userId);
}

/** The user tables of the app's database (either dialect), for "no row left" checks. */
export async function tableNames(app: App): Promise<string[]> {
  const rows = app.databaseUrl.startsWith("file:")
    ? await app.db().all<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '%drizzle%'")
    : await app.db().all<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'public' and table_name not like '%drizzle%'");
  return rows.map((r) => r.name).sort();
}
