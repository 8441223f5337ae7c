import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";

// Signing-key rotation across instances on one database (README "Rotating the signing
// key", docs/decisions/016): each step of the runbook is an instance started with that
// step's variables, and they serve side by side as a rolling deploy would have them.

const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-rotation-"));
const PASSWORD = "turn the key slowly";
// Instances behind one load balancer share one public URL, which is the tokens' issuer.
const APP_URL = "http://auth.rotation.test";

const newKey = (kid: string) => ({ ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid });
const oldKey = newKey("2026-old");
const nextKey = newKey("2026-next");
const strangerKey = newKey("2026-next-stranger");

let before: RunningApp; // step 0: one key, the old variable
let publishing: RunningApp; // step 1: the next key published, the old one signs
let switched: RunningApp; // step 2: the next key signs, the old one still published
let after: RunningApp; // step 3: the old key dropped
const all = () => [before, publishing, switched, after];

beforeAll(async () => {
  before = await startApp({ dataDir, env: { APP_URL, AUTH_SIGNING_KEY: JSON.stringify(oldKey) } });
  [publishing, switched, after] = await Promise.all([
    startApp({ dataDir, env: { APP_URL, AUTH_SIGNING_KEY: "", AUTH_SIGNING_KEYS: JSON.stringify([oldKey, nextKey]), AUTH_SIGNING_KID: oldKey.kid } }),
    startApp({ dataDir, env: { APP_URL, AUTH_SIGNING_KEY: "", AUTH_SIGNING_KEYS: JSON.stringify([oldKey, nextKey]), AUTH_SIGNING_KID: nextKey.kid } }),
    startApp({ dataDir, env: { APP_URL, AUTH_SIGNING_KEY: JSON.stringify(nextKey) } }),
  ]);
});

afterAll(async () => {
  await Promise.all(all().map((app) => app?.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function loginOn(app: RunningApp): Promise<string> {
  const res = await new ApiClient(app.url).post("/api/auth/login/", { email: "turner@example.com", password: PASSWORD });
  expect(res.status).toBe(200);
  return res.body.access as string;
}

const me = async (app: RunningApp, token: string) => (await new ApiClient(app.url).get("/api/auth/me/", { authorization: `Bearer ${token}` })).status;

it("publishes at each step exactly the keys of that step, the signer first, public halves only", async () => {
  const published = await Promise.all(all().map(async (app) => (await new ApiClient(app.url).get("/.well-known/jwks.json")).body as { keys: Array<Record<string, string>> }));
  expect(published.map((jwks) => jwks.keys.map((k) => k.kid))).toEqual([
    [oldKey.kid],
    [oldKey.kid, nextKey.kid],
    [nextKey.kid, oldKey.kid],
    [nextKey.kid],
  ]);
  const xOf = { [oldKey.kid]: oldKey.x, [nextKey.kid]: nextKey.x };
  for (const jwks of published) {
    for (const key of jwks.keys) expect(key).toEqual({ kty: "OKP", crv: "Ed25519", x: xOf[key.kid!], kid: key.kid, alg: "EdDSA", use: "sig" });
  }
  expect(JSON.stringify(published)).not.toContain(oldKey.d);
  expect(JSON.stringify(published)).not.toContain(nextKey.d);
});

it("accepts every published key's tokens on every instance that publishes it, and refuses a dropped key", async () => {
  await new ApiClient(before.url).post("/api/auth/register/", { username: "turner", email: "turner@example.com", password: PASSWORD });
  const [fromBefore, fromPublishing, fromSwitched, fromAfter] = await Promise.all(all().map(loginOn));
  expect([fromBefore, fromPublishing, fromSwitched, fromAfter].map((t) => decodeProtectedHeader(t!).kid)).toEqual([
    oldKey.kid,
    oldKey.kid, // published, not signing yet
    nextKey.kid,
    nextKey.kid,
  ]);

  // Mid-rotation, instances on steps 1 and 2 serve side by side: each accepts the other's tokens.
  expect(await me(switched, fromPublishing!)).toBe(200);
  expect(await me(publishing, fromSwitched!)).toBe(200);
  // A token from before the rotation began still works while its key is published.
  expect(await me(switched, fromBefore!)).toBe(200);
  // Once the old key is dropped, its tokens are refused (signature valid, kid unknown);
  // the new key's work everywhere it is published.
  expect(await me(after, fromBefore!)).toBe(401);
  expect(await me(after, fromPublishing!)).toBe(401);
  expect(await me(after, fromSwitched!)).toBe(200);
  // An instance that never published the next key refuses its tokens: publish before signing.
  expect(await me(before, fromSwitched!)).toBe(401);
  // A key nobody configured, with a plausible kid, is refused by all.
  const strangerToken = await forgeWith(strangerKey, fromSwitched!);
  for (const app of all()) expect(await me(app, strangerToken)).toBe(401);
});

/** The same claims as `token`, signed by `key` under its own kid. */
async function forgeWith(key: ReturnType<typeof newKey>, token: string): Promise<string> {
  const { importJWK, SignJWT, decodeJwt } = await import("jose");
  const privateKey = await importJWK({ ...key, alg: "EdDSA" }, "EdDSA");
  return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" }).sign(privateKey);
}
