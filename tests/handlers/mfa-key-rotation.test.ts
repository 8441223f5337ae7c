import { generateKeyPairSync } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { resealSecondFactors } from "@/lib/startup";
import { PASSWORD, register, signInWithTotp, totp } from "../support/accounts";
import { ApiClient } from "../support/client";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { expectConsoleError } from "../support/unit-setup";

// TOTP secrets through the signing-key rotation of the README runbook, with no
// MFA_ENCRYPTION_KEY (the fallback root is the signing key's private part), and then
// MFA_ENCRYPTION_KEY introduced and the signing key rotated again (docs/decisions/018).
// Each step is the app restarted on one database with that step's variables, and then
// what startup does with TOTP secrets (lib/startup.ts resealSecondFactors), so that each
// step sees the state the previous one left. In-process (decision 032): six real server
// starts one after another cost this file 45 s of a two-core machine beside the journeys.

const APP_URL = "http://auth.rotation.test";
const MFA_KEY = "an encryption root of thirty-two characters or more";

const newKey = (kid: string) => ({ ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid });
const [oldKey, nextKey, laterKey] = [newKey("old"), newKey("next"), newKey("later")];
/** One key, the single-key variable; nothing else about keys left from an earlier step. */
const single = (key: object, mfaKey?: string) => ({
  AUTH_SIGNING_KEY: JSON.stringify(key),
  AUTH_SIGNING_KEYS: undefined,
  AUTH_SIGNING_KID: undefined,
  MFA_ENCRYPTION_KEY: mfaKey,
});

let app: InProcessApp | undefined;
afterAll(async () => {
  await app?.stop();
});

/** The next step of the runbook: restarted with its variables, then startup's re-seal. What it logged. */
async function step(running: InProcessApp, env: Record<string, string | undefined>): Promise<string> {
  await running.restart(env);
  const before = running.logs().length;
  await resealSecondFactors();
  // lib/log writes info lines on the next turn.
  await new Promise((resolve) => setImmediate(resolve));
  return running.logs().slice(before);
}

const boxRoot = async (running: InProcessApp) =>
  ((await running.db().get("select encrypted_secret from totp_credentials")) as { encrypted_secret: string }).encrypted_secret.split(".")[1];

/**
 * Password, then the current code: the status of mfa/verify. The replay guard is reset
 * first: this file is about whether the secret opens, and its steps run within one or
 * two 30-second windows (replays have their own tests).
 */
async function signInWithCode(running: InProcessApp, email: string, code: string): Promise<number> {
  await running.db().run("update totp_credentials set last_used_step = null");
  const client = new ApiClient(running.url);
  const first = await client.post("/api/auth/login/", { email, password: PASSWORD });
  expect(first.body).toMatchObject({ mfa_required: true });
  return (await client.post("/api/auth/mfa/verify/", { mfa_token: first.body.mfa_token, code })).status;
}

it("keeps every TOTP secret through signing-key rotations: re-sealed at startup while the old key is configured", async () => {
  // Step 0: one key; TOTP turned on.
  const running = (app = await startInProcessApp({ env: { APP_URL, AUTH_SIGNING_KEY: JSON.stringify(oldKey) } }));
  const { email } = await register(running, "sealer");
  const { secret } = await signInWithTotp(running, email);
  const underOld = await boxRoot(running);

  // The hazard: jump straight to a set without the old key's private part. Nothing
  // opens the box, startup says so, and the code is refused (the box is left alone).
  const unreadable = expectConsoleError(/TOTP secrets sealed under a root that is no longer configured/);
  await step(running, single(nextKey));
  expect(unreadable()).toHaveLength(1);
  const unopened = expectConsoleError(/a TOTP secret could not be opened .*"reason":"unknown_key"/);
  expect(await signInWithCode(running, email, totp(secret))).toBe(400);
  expect(unopened()).toHaveLength(1);
  expect(await boxRoot(running)).toBe(underOld);

  // The runbook: step 2 (the next key signs, the old one still listed with its private
  // part). Its startup re-seals the box under the next key.
  const rotated = await step(running, {
    ...single(nextKey),
    AUTH_SIGNING_KEY: undefined,
    AUTH_SIGNING_KEYS: JSON.stringify([oldKey, nextKey]),
    AUTH_SIGNING_KID: nextKey.kid,
  });
  expect(rotated).toMatch(/re-sealed TOTP secrets under the current root/);
  const underNext = await boxRoot(running);
  expect(underNext).not.toBe(underOld);

  // Step 3: the old key gone. The secret opens (nothing logged as unreadable), and the code signs in.
  expect(await step(running, single(nextKey))).not.toMatch(/re-sealed|no longer configured/);
  expect(unreadable()).toHaveLength(1);
  expect(await signInWithCode(running, email, totp(secret))).toBe(200);

  // MFA_ENCRYPTION_KEY introduced: the box moves to it, and from then on the signing key
  // may rotate with no care for TOTP at all.
  expect(await step(running, single(nextKey, MFA_KEY))).toMatch(/re-sealed TOTP secrets under the current root/);
  expect(await boxRoot(running)).toMatch(/^k/);
  await step(running, single(laterKey, MFA_KEY));
  expect(await signInWithCode(running, email, totp(secret))).toBe(200);
});
