import "server-only";
import { KeyObject, sign as signBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from "jose";
import { dataDirectory } from "@/db/client";
import { ed25519Thumbprint, Ed25519PrivateJwkSchema, resolveKeySet, type ConfiguredKey, type KeySet } from "@/lib/auth/key-set";
import { getEnv, hasDevelopmentConveniences, runMode } from "@/lib/env";
import { randomToken } from "@/lib/crypto";
import { log } from "@/lib/log";
import { singleton } from "@/lib/singleton";

// Access tokens: EdDSA (Ed25519) JWTs with a `kid`, verified with an explicit algorithm
// list, issuer and type (docs/security.md). Other services verify them with the public key
// from /.well-known/jwks.json; this app also checks the session on every request.

const ALGORITHM = "EdDSA";
const DEV_KEY_FILE = "signing-key.json";

type VerifyingKey = { kid: string; publicKey: CryptoKey; publicJwk: JWK };

type SigningKey = VerifyingKey & {
  privateKey: CryptoKey;
  /** The same private key for node:crypto's one-shot sign (see signAccessToken). */
  privateKeyObject: KeyObject;
};

/** Every configured key verifies (by kid) and is published; one of them signs. */
type LoadedKeySet = {
  signer: SigningKey;
  byKid: Map<string, VerifyingKey>;
  published: JWK[];
  /**
   * The private parts ("d") of every configured key that has one, the signer's first: the
   * fallback roots that open sealed TOTP secrets (lib/auth/mfa/secret-box.ts), so that a
   * rotation does not lose a secret sealed under the previous signer.
   */
  privateParts: string[];
};

async function importPublic(key: ConfiguredKey): Promise<VerifyingKey> {
  const publicJwk: JWK = { kty: "OKP", crv: "Ed25519", x: key.x };
  const publicKey = (await importJWK({ ...publicJwk, alg: ALGORITHM }, ALGORITHM)) as CryptoKey;
  return { kid: key.kid, publicKey, publicJwk: { ...publicJwk, kid: key.kid, alg: ALGORITHM, use: "sig" } };
}

async function importKeySet(keySet: KeySet): Promise<LoadedKeySet> {
  const { signer } = keySet;
  const [verifying, privateKey] = await Promise.all([
    Promise.all(keySet.keys.map(importPublic)),
    importJWK({ kty: "OKP", crv: "Ed25519", x: signer.x, d: signer.d, alg: ALGORITHM }, ALGORITHM) as Promise<CryptoKey>,
  ]);
  const byKid = new Map(verifying.map((key) => [key.kid, key]));
  return {
    signer: { ...byKid.get(signer.kid)!, privateKey, privateKeyObject: KeyObject.from(privateKey) },
    byKid,
    published: verifying.map((key) => key.publicJwk),
    privateParts: keySet.keys.flatMap((key) => (key.d ? [key.d] : [])),
  };
}

/** A fresh Ed25519 private key as JWK (for AUTH_SIGNING_KEY, or the development key file). */
export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: ed25519Thumbprint(jwk.x!) };
}

/**
 * Development only: the key is generated once and kept beside the database, so tokens
 * survive restarts. `wx` makes the first writer win if two processes start together.
 */
async function developmentSigningJwk(): Promise<JWK> {
  const file = path.join(dataDirectory(getEnv().DATABASE_URL), DEV_KEY_FILE);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const jwk = await generateSigningJwk();
  // The database usually creates this directory first; the key must not depend on that.
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, JSON.stringify(jwk, null, 2), { flag: "wx", mode: 0o600 });
    log.info("generated a development signing key", { file });
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return JSON.parse(readFileSync(file, "utf8")) as JWK;
  }
}

/** The configured keys (AUTH_SIGNING_KEY or AUTH_SIGNING_KEYS), or development's generated one. */
export function getKeySet(): Promise<LoadedKeySet> {
  return singleton("signing-key", async () => {
    const configured = getEnv().signingKeys;
    if (configured) return importKeySet(configured);
    if (!hasDevelopmentConveniences(runMode())) throw new Error("AUTH_SIGNING_KEY or AUTH_SIGNING_KEYS is required in production");
    const resolved = resolveKeySet({ single: Ed25519PrivateJwkSchema.parse(await developmentSigningJwk()) });
    if (!resolved.ok || !resolved.keySet) throw new Error(`the development signing key is unusable: ${resolved.ok ? "empty" : resolved.issues[0]!.message}`);
    return importKeySet(resolved.keySet);
  });
}

/** The key that signs new tokens. */
export async function getSigningKey(): Promise<SigningKey> {
  return (await getKeySet()).signer;
}

const base64urlJson = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * A compact JWS (RFC 7515 §7.1) as jose's SignJWT makes it, signed with node:crypto's
 * one-shot Ed25519 instead of a WebCrypto job: that job was about 5% of a refresh's
 * time (docs/benchmarks.md). Verifying stays with jose, here and in other services.
 */
export async function signAccessToken(claims: { userId: number; sessionId: string }): Promise<string> {
  const key = await getSigningKey();
  const env = getEnv();
  const issuedAt = Math.floor(Date.now() / 1000);
  const header = { alg: ALGORITHM, kid: key.kid, typ: "JWT" };
  const payload = {
    sid: claims.sessionId,
    typ: "access",
    jti: randomToken(16),
    iss: env.APP_URL,
    sub: String(claims.userId),
    iat: issuedAt,
    exp: issuedAt + env.ACCESS_TOKEN_TTL,
  };
  const signingInput = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  const signature = signBytes(null, Buffer.from(signingInput), key.privateKeyObject);
  return `${signingInput}.${signature.toString("base64url")}`;
}

export type AccessClaims = { userId: number; sessionId: string };

/**
 * Tokens this process has verified, until they expire: a client sends the same access
 * token with every request for its 15 minutes, and the Ed25519 check was the largest
 * single cost of GET /api/auth/me/ (docs/benchmarks.md). Only exact strings that passed
 * every check below are kept, so a hit proves what a fresh check would; the session is
 * still checked on every request. Bounded; the oldest entries go first.
 */
const VERIFIED_TOKENS_MAX = 4096;

type VerifiedToken = AccessClaims & { expiresAtMs: number };

/**
 * Verify signature, algorithm, kid, issuer, expiry and type. Says nothing of the
 * session: callers on this app check that it is still live (see session.ts).
 */
export async function verifyAccessToken(token: string): Promise<AccessClaims | null> {
  const keys = await getKeySet();
  const issuer = getEnv().APP_URL;
  // Keyed by the set and issuer, so a test that swaps either never reads an older answer.
  const verified = singleton(`verified-access-tokens:${[...keys.byKid.keys()].join(",")}:${issuer}`, () => new Map<string, VerifiedToken>());
  const known = verified.get(token);
  if (known && known.expiresAtMs > Date.now()) return { userId: known.userId, sessionId: known.sessionId };
  if (known) verified.delete(token);
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        // Only a configured kid: a key dropped from the set (or never in it) verifies nothing.
        const key = header.kid === undefined ? undefined : keys.byKid.get(header.kid);
        if (!key) throw new Error("unknown kid");
        return key.publicKey;
      },
      { algorithms: [ALGORITHM], issuer, requiredClaims: ["sub", "sid", "iat", "exp"] },
    );
    if (payload.typ !== "access" || typeof payload.sid !== "string") return null;
    if (!/^[1-9][0-9]{0,15}$/.test(payload.sub ?? "")) return null;
    const claims = { userId: Number(payload.sub), sessionId: payload.sid };
    if (verified.size >= VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, { ...claims, expiresAtMs: payload.exp! * 1000 });
    return claims;
  } catch {
    return null;
  }
}

/** The public halves of every configured key, the signer first, for /.well-known/jwks.json. */
export async function publicJwks(): Promise<{ keys: JWK[] }> {
  return { keys: (await getKeySet()).published };
}
