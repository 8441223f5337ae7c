import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { z } from "zod";

// The signing keys as configured: which key signs, and which others are only published in
// the JWKS (the next key before it signs, the previous one until its tokens have expired).
// Pure and synchronous, so that lib/env.ts can refuse a bad set at startup with the
// variable's name. Rotation runbook: README "Rotating the signing key";
// why: docs/decisions/016-signing-key-rotation.md.

export const Ed25519PrivateJwkSchema = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1).optional(),
});

/** In AUTH_SIGNING_KEYS a key may be public only: a previous key that verifies, never signs. */
const Ed25519JwkSchema = Ed25519PrivateJwkSchema.extend({ d: z.string().min(1).optional() });

export type PrivateJwk = z.infer<typeof Ed25519PrivateJwkSchema>;
type AnyJwk = z.infer<typeof Ed25519JwkSchema>;

export type ConfiguredKey = { kid: string; x: string; d?: string };
/** `keys` holds every configured key, the signer first (naive verifiers take keys[0]). */
export type KeySet = { signer: ConfiguredKey & { d: string }; keys: ConfiguredKey[] };

export const SIGNING_KEY_HINT =
  'must be an Ed25519 private key as JWK JSON ({"kty":"OKP","crv":"Ed25519","x":…,"d":…}); `npm run keygen` prints one';
const SIGNING_KEYS_HINT =
  "must be a JSON array of Ed25519 JWKs (private, or public for a key that only verifies); `npm run keygen` prints a private one";

/** A JSON environment value checked against `schema`; the message never echoes key material. */
export function jsonVariable<T extends z.ZodType>(schema: T, hint: string) {
  return z.string().transform((raw, ctx): z.infer<T> => {
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data;
      const where = parsed.error.issues[0]?.path[0];
      ctx.addIssue({ code: "custom", message: typeof where === "number" ? `key ${where + 1} ${hint}` : hint });
    } catch {
      ctx.addIssue({ code: "custom", message: hint });
    }
    return z.NEVER;
  });
}

export const signingKeyVariable = jsonVariable(Ed25519PrivateJwkSchema, SIGNING_KEY_HINT);
export const signingKeysVariable = jsonVariable(z.array(Ed25519JwkSchema).min(1), SIGNING_KEYS_HINT);

/** The RFC 7638 thumbprint of an Ed25519 public key: the kid of a key that names none. */
export function ed25519Thumbprint(x: string): string {
  // Required members only, in lexicographic order, no whitespace (RFC 7638 §3.2).
  return createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest("base64url");
}

/** True when `d` is the private half of `x` (a pasted key with a stray x would sign unverifiably). */
function halvesMatch(jwk: { x: string; d: string }): boolean {
  try {
    const privateKey = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d }, format: "jwk" });
    return createPublicKey(privateKey).export({ format: "jwk" }).x === jwk.x;
  } catch {
    return false;
  }
}

export type KeySetVariable = "AUTH_SIGNING_KEY" | "AUTH_SIGNING_KEYS" | "AUTH_SIGNING_KID";
export type KeySetResult =
  | { ok: true; keySet: KeySet | null }
  | { ok: false; issues: Array<{ variable: KeySetVariable; message: string }> };

/**
 * The key set from AUTH_SIGNING_KEY (one key, which signs) or AUTH_SIGNING_KEYS (several;
 * AUTH_SIGNING_KID names the signer when there is more than one). `keySet: null` when
 * neither is set (development generates a key; production refuses to start elsewhere).
 */
export function resolveKeySet(input: { single?: PrivateJwk; list?: AnyJwk[]; signerKid?: string }): KeySetResult {
  if (input.single && input.list) {
    return { ok: false, issues: [{ variable: "AUTH_SIGNING_KEYS", message: "set AUTH_SIGNING_KEY or AUTH_SIGNING_KEYS, not both" }] };
  }
  const jwks: AnyJwk[] | undefined = input.single ? [input.single] : input.list;
  const listVariable = input.single ? "AUTH_SIGNING_KEY" : "AUTH_SIGNING_KEYS";
  if (!jwks) {
    return input.signerKid
      ? { ok: false, issues: [{ variable: "AUTH_SIGNING_KID", message: "names a signer, but AUTH_SIGNING_KEYS is not set" }] }
      : { ok: true, keySet: null };
  }
  const issues: Array<{ variable: KeySetVariable; message: string }> = [];
  const keys: ConfiguredKey[] = jwks.map((jwk) => ({ kid: jwk.kid ?? ed25519Thumbprint(jwk.x), x: jwk.x, ...(jwk.d ? { d: jwk.d } : {}) }));
  keys.forEach((key, index) => {
    const label = jwks.length > 1 ? `key ${index + 1} ("${key.kid}")` : `the key ("${key.kid}")`;
    // A kid picks the verifying key: two keys under one kid would make one of them unusable.
    if (keys.findIndex((other) => other.kid === key.kid) < index) issues.push({ variable: listVariable, message: `${label}: kid is used by an earlier key; kids must be unique` });
    else if (keys.findIndex((other) => other.x === key.x) < index) issues.push({ variable: listVariable, message: `${label}: the same public key is listed twice` });
    if (key.d && !halvesMatch({ x: key.x, d: key.d })) issues.push({ variable: listVariable, message: `${label}: "d" is not the private half of "x"` });
  });
  if (issues.length > 0) return { ok: false, issues };

  let signerKid = input.signerKid;
  if (!signerKid) {
    if (keys.length > 1) {
      return { ok: false, issues: [{ variable: "AUTH_SIGNING_KID", message: `is required when AUTH_SIGNING_KEYS holds ${keys.length} keys: the kid of the one that signs (${keys.map((k) => `"${k.kid}"`).join(", ")})` }] };
    }
    signerKid = keys[0]!.kid;
  }
  const signer = keys.find((key) => key.kid === signerKid);
  if (!signer) {
    return { ok: false, issues: [{ variable: "AUTH_SIGNING_KID", message: `"${signerKid}" is not the kid of any key in ${listVariable} (${keys.map((k) => `"${k.kid}"`).join(", ")})` }] };
  }
  if (!signer.d) {
    return { ok: false, issues: [{ variable: "AUTH_SIGNING_KID", message: `"${signerKid}" is a public key in ${listVariable}; the signer needs its private half ("d")` }] };
  }
  const signing = { ...signer, d: signer.d };
  return { ok: true, keySet: { signer: signing, keys: [signing, ...keys.filter((key) => key !== signer)] } };
}
