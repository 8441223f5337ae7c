import "server-only";
import { createPrivateKey, generateKeyPairSync, hkdfSync, type JsonWebKey } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { calculateJwkThumbprint, type JWK } from "jose";
import { dataDirectory } from "@/db/client";
import { getEnv, hasDevelopmentConveniences, runMode } from "@/lib/env";
import { log } from "@/lib/log";
import { oidcSigningKeyVariable, type RsaPrivateJwk } from "./config";

// The provider's keys, all from OIDC_SIGNING_KEY (docs/decisions/042):
// - the RSA keys that sign id_tokens (RS256, the default every client library expects) and
//   the JWT access tokens of resource servers; the first signs, the rest stay published
//   while tokens they signed may still be valid;
// - an Ed25519 key for clients that ask for EdDSA id_tokens, derived from the RSA key with
//   HKDF, so that it needs no variable of its own and every instance holds the same one
//   (it is not Gatehouse's own access-token key: the two kinds of token never share a key);
// - the keys that sign the provider's cookies, derived the same way: never random per
//   process, or a second instance would refuse the first one's cookies.

const DEV_KEY_FILE = "oidc-signing-key.json";

export type OidcKeys = { jwks: { keys: JWK[] }; cookieKeys: string[] };

/** The configured RSA keys, or development's generated one (kept beside the database). */
function rsaKeys(): RsaPrivateJwk[] {
  const configured = getEnv().OIDC_SIGNING_KEY;
  if (configured) return configured;
  if (!hasDevelopmentConveniences(runMode())) throw new Error("OIDC_SIGNING_KEY is required in production when OIDC_CLIENTS is set");
  return oidcSigningKeyVariable.parse(developmentKey());
}

function developmentKey(): string {
  const file = path.join(dataDirectory(getEnv().DATABASE_URL), DEV_KEY_FILE);
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const text = JSON.stringify(jwk, null, 2);
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // `wx`: the first of two processes starting together wins, the other reads its key.
    writeFileSync(file, text, { flag: "wx", mode: 0o600 });
    log.info("generated a development OpenID Connect signing key", { file });
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return readFileSync(file, "utf8");
  }
}

/** 32 bytes derived from the RSA key's private exponent for one purpose. */
function derive(rsa: RsaPrivateJwk, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(rsa.d, "base64url"), "gatehouse-oidc", purpose, 32));
}

/** An Ed25519 private key from a 32-byte seed (RFC 8410's PKCS#8 prefix, then the seed). */
function ed25519FromSeed(seed: Buffer): JsonWebKey {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" }).export({ format: "jwk" });
}

export async function loadOidcKeys(): Promise<OidcKeys> {
  const rsa = rsaKeys();
  const keys: JWK[] = [];
  for (const key of rsa) {
    const jwk: JWK = { ...key, alg: "RS256", use: "sig" };
    keys.push({ ...jwk, kid: key.kid ?? (await calculateJwkThumbprint(jwk)) });
  }
  // One EdDSA key per RSA key, in the same order: the first signs.
  for (const key of rsa) {
    const jwk: JWK = { ...(ed25519FromSeed(derive(key, "eddsa id_token key")) as JWK), alg: "EdDSA", use: "sig" };
    keys.push({ ...jwk, kid: await calculateJwkThumbprint(jwk) });
  }
  return { jwks: { keys }, cookieKeys: rsa.map((key) => derive(key, "cookie keys").toString("base64url")) };
}
