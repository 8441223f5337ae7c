import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { afterAll, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";

// TOTP secrets through the signing-key rotation of the README runbook, with no
// MFA_ENCRYPTION_KEY (the fallback root is the signing key's private part), and then
// MFA_ENCRYPTION_KEY introduced and the signing key rotated again (docs/decisions/018).
// Each step is a server started on one database with that step's variables, one after
// another, so that each startup's re-seal sees the state the previous step left.

const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-mfa-rotation-"));
const APP_URL = "http://auth.rotation.test";
const PASSWORD = "seal it under the new key";
const EMAIL = "sealer@example.com";
const MFA_KEY = "an encryption root of thirty-two characters or more";

const newKey = (kid: string) => ({ ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid });
const [oldKey, nextKey, laterKey] = [newKey("old"), newKey("next"), newKey("later")];
const single = (key: object) => ({ APP_URL, AUTH_SIGNING_KEY: JSON.stringify(key) });

let running: RunningApp | null = null;
afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The next step of the runbook: the server stopped, and started again with its variables. */
async function step(name: string, env: Record<string, string>): Promise<RunningApp> {
  await running?.stop();
  try {
    running = await startApp({ dataDir, env });
  } catch (error) {
    throw new Error(`step "${name}": the server did not start: ${(error as Error).message}`);
  }
  return running;
}

/** A log line that startup writes beside the first requests: waited for, as long as a busy machine needs. */
const logged = (app: RunningApp, what: string) => expect.poll(() => app.logs(), { timeout: 60_000, message: what });

const code = (secret: string) => generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(Date.now() / 30_000)), 6);

const boxRoot = async (app: RunningApp) =>
  ((await app.db().get("select encrypted_secret from totp_credentials")) as { encrypted_secret: string }).encrypted_secret.split(".")[1];

/**
 * Password, then the current code: the status of mfa/verify. The replay guard is reset
 * first: this file is about whether the secret opens, and its steps run within one or
 * two 30-second windows (replays have their own tests in mfa-login.test.ts).
 */
async function signInWithCode(app: RunningApp, code: string): Promise<number> {
  await app.db().run("update totp_credentials set last_used_step = null");
  const client = new ApiClient(app.url);
  const first = await client.post("/api/auth/login/", { email: EMAIL, password: PASSWORD });
  expect(first.body).toMatchObject({ mfa_required: true });
  return (await client.post("/api/auth/mfa/verify/", { mfa_token: first.body.mfa_token, code })).status;
}

// Six servers one after another: minutes on a busy machine, seconds on a quiet one.
it("keeps every TOTP secret through signing-key rotations: re-sealed at startup while the old key is configured", { timeout: 300_000 }, async () => {
  // Step 0: one key; TOTP turned on.
  let app = await step("one key, TOTP turned on", single(oldKey));
  const client = new ApiClient(app.url);
  expect((await client.post("/api/auth/register/", { username: "sealer", email: EMAIL, password: PASSWORD })).status).toBe(201);
  // Second factors come after the address is proven (its link has its own tests).
  await app.db().run("update users set email_verified = true where email = ?", EMAIL);
  const login = await client.post("/api/auth/login/", { email: EMAIL, password: PASSWORD });
  const auth = { authorization: `Bearer ${login.body.access as string}` };
  const setup = await client.post("/api/auth/mfa/totp/setup/", {}, auth);
  const secret = setup.body.secret as string;
  expect((await client.post("/api/auth/mfa/totp/confirm/", { code: code(secret) }, auth)).status).toBe(200);
  const underOld = (await boxRoot(app));

  // The hazard: jump straight to a set without the old key's private part. Nothing
  // opens the box, startup says so, and the code is refused (the box is left alone).
  app = await step("the hazard: the next key alone", single(nextKey));
  await logged(app, "startup's warning that no root opens the box").toMatch(/TOTP secrets sealed under a root that is no longer configured/);
  expect(await signInWithCode(app, code(secret))).toBe(400);
  expect((await boxRoot(app))).toBe(underOld);

  // The runbook: step 2 (the next key signs, the old one still listed with its private
  // part). Its startup re-seals the box under the next key.
  app = await step("runbook step 2: the next key signs, the old one listed", { APP_URL, AUTH_SIGNING_KEY: "", AUTH_SIGNING_KEYS: JSON.stringify([oldKey, nextKey]), AUTH_SIGNING_KID: nextKey.kid });
  // The re-seal runs at startup, beside the first requests: its log line says it is done.
  await logged(app, "startup's re-seal under the next key").toMatch(/re-sealed TOTP secrets under the current root/);
  const underNext = (await boxRoot(app));
  expect(underNext).not.toBe(underOld);

  // Step 3: the old key gone. The secret opens, and the code signs in.
  app = await step("runbook step 3: the old key gone", single(nextKey));
  expect(app.logs()).not.toMatch(/no longer configured/);
  expect(await signInWithCode(app, code(secret))).toBe(200);

  // MFA_ENCRYPTION_KEY introduced: the box moves to it, and from then on the signing key
  // may rotate with no care for TOTP at all.
  app = await step("MFA_ENCRYPTION_KEY introduced", { ...single(nextKey), MFA_ENCRYPTION_KEY: MFA_KEY });
  await logged(app, "startup's re-seal under MFA_ENCRYPTION_KEY").toMatch(/re-sealed TOTP secrets under the current root/);
  expect((await boxRoot(app))).toMatch(/^k/);
  app = await step("the signing key rotated again, MFA_ENCRYPTION_KEY kept", { ...single(laterKey), MFA_ENCRYPTION_KEY: MFA_KEY });
  expect(await signInWithCode(app, code(secret))).toBe(200);
});
