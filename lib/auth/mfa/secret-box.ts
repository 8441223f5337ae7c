import "server-only";
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { getEnv } from "@/lib/env";
import { getSigningKey } from "../tokens";

// TOTP secrets at rest: AES-256-GCM under a key derived by HKDF-SHA256 from a root
// secret of the configuration (docs/decisions/018-totp-secrets-encrypted-at-rest.md).
// A copy of the database alone (a backup, a stolen file) gives no one the secrets.
//
// The root is MFA_ENCRYPTION_KEY (a list, newest first: the first encrypts, any decrypts),
// or, when it is unset, the private part of the signing key. Each box names the root it
// was sealed with, so that a new root does not make the old boxes unreadable as long as
// the old root is still listed.

const VERSION = "v1";
const INFO = "gatehouse totp secret v1";
const SALT = "gatehouse";

type Root = { id: string; key: Buffer };

function deriveRoot(secret: string, idPrefix: string): Root {
  const key = Buffer.from(hkdfSync("sha256", secret, SALT, INFO, 32));
  // Names the root without revealing anything about it: a hash of the derived key.
  const id = idPrefix + createHash("sha256").update(key).digest("hex").slice(0, 12);
  return { id, key };
}

/** Every root that may open a box, the one that seals new boxes first. */
async function roots(): Promise<Root[]> {
  const configured = getEnv().MFA_ENCRYPTION_KEY;
  if (configured.length) return configured.map((secret) => deriveRoot(secret, "k"));
  const { privateKeyObject } = await getSigningKey();
  const d = privateKeyObject.export({ format: "jwk" }).d;
  if (!d) throw new Error("the signing key has no private part");
  return [deriveRoot(d, "s")];
}

/** Seal `plain` (bytes) as `v1.<root id>.<iv>.<ciphertext>.<tag>`, base64url parts. */
export async function sealSecret(plain: Uint8Array, context: string): Promise<string> {
  const [root] = await roots();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", root!.key, iv);
  // The context (the user id) is authenticated: a box moved to another row does not open.
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return [VERSION, root!.id, iv.toString("base64url"), ciphertext.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

export type OpenResult = { ok: true; plain: Uint8Array } | { ok: false; reason: "unknown_key" | "corrupt" };

/** Open a box sealed by sealSecret with the same context. */
export async function openSecret(box: string, context: string): Promise<OpenResult> {
  const [version, rootId, iv, ciphertext, tag] = box.split(".");
  if (version !== VERSION || !rootId || !iv || !ciphertext || !tag) return { ok: false, reason: "corrupt" };
  const root = (await roots()).find((r) => r.id === rootId);
  if (!root) return { ok: false, reason: "unknown_key" };
  try {
    const decipher = createDecipheriv("aes-256-gcm", root.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return { ok: true, plain: Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]) };
  } catch {
    return { ok: false, reason: "corrupt" };
  }
}
