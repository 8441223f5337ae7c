import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { PASSWORD, register, signInWithTotp, totp } from "../support/accounts";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";

// That a real startup re-seals TOTP secrets (lib/startup.ts): two servers one after the
// other on one database, step 0 and step 2 of the README's signing-key runbook. The
// whole runbook, its hazard and MFA_ENCRYPTION_KEY are tests/handlers/mfa-key-rotation.test.ts's,
// restarted in-process (decision 032).

const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-reseal-"));
const APP_URL = "http://auth.rotation.test";
const newKey = (kid: string) => ({ ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid });
const [oldKey, nextKey] = [newKey("old"), newKey("next")];

let running: RunningApp | undefined;
afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it("a server started with the next key signing and the old one listed re-seals the secrets, which still open", async () => {
  running = await startApp({ dataDir, env: { APP_URL, AUTH_SIGNING_KEY: JSON.stringify(oldKey) } });
  const { email } = await register(running, "sealer");
  const { secret } = await signInWithTotp(running, email);
  const box = async (app: RunningApp) => ((await app.db().get("select encrypted_secret from totp_credentials")) as { encrypted_secret: string }).encrypted_secret;
  const underOld = await box(running);
  await running.stop();

  running = await startApp({ dataDir, env: { APP_URL, AUTH_SIGNING_KEY: "", AUTH_SIGNING_KEYS: JSON.stringify([oldKey, nextKey]), AUTH_SIGNING_KID: nextKey.kid } });
  // The re-seal runs at startup, beside the first requests: its log line says it is done.
  const app = running;
  await expect.poll(() => app.logs(), { timeout: 60_000, message: "startup's re-seal under the next key" }).toMatch(/re-sealed TOTP secrets under the current root/);
  expect((await box(app)).split(".")[1]).not.toBe(underOld.split(".")[1]);
  const again = new ApiClient(app.url);
  const first = await again.post("/api/auth/login/", { email, password: PASSWORD });
  expect(first.body).toMatchObject({ mfa_required: true });
  // The replay guard reset: the code that confirmed may still be the current one (replays have their own tests).
  await app.db().run("update totp_credentials set last_used_step = null");
  expect((await again.post("/api/auth/mfa/verify/", { mfa_token: first.body.mfa_token, code: totp(secret) })).status).toBe(200);
});
