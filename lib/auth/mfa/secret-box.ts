import "server-only";
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { getEnv } from "@/lib/env";
import { getKeySet } from "../tokens";

// TOTP secrets at rest: AES-256-GCM under a key derived by HKDF-SHA256 from a root
// secret of the configuration (docs/decisions/018-totp-secrets-encrypted-at-rest.md).
// A copy of the database alone (a backup, a stolen file) gives no one the secrets.
//
// The sealing root is the first MFA_ENCRYPTION_KEY entry or, when it is unset, the
// signing key's private part. Every configured root opens: each MFA_ENCRYPTION_KEY entry
// and the private part of every key in AUTH_SIGNING_KEYS. Each box names its root, and a
// box under another root than the sealing one is re-sealed (at startup and on use), so a
// rotation that later drops the old root loses nothing that was re-sealed meanwhile.

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
  const configured = getEnv().MFA_ENCRYPTION_KEY.map((secret) => deriveRoot(secret, "k"));
  const fromSigningKeys = (await getKeySet()).privateParts.map((d) => deriveRoot(d, "s"));
  return [...configured, ...fromSigningKeys];
}

/** The root id a box names, or null when it is not a box. */
const rootIdOf = (box: string): string | null => (box.startsWith(`${VERSION}.`) ? (box.split(".")[1] ?? null) : null);

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

/** True when `box` is sealed under another root than the one that seals now. */
export async function needsReseal(box: string): Promise<boolean> {
  const [sealing] = await roots();
  return rootIdOf(box) !== sealing!.id;
}
