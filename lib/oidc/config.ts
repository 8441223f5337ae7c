import { createPrivateKey } from "node:crypto";
import { z } from "zod";

// The OpenID Connect provider's configuration as the operator writes it: OIDC_CLIENTS (a
// JSON array of relying parties) and OIDC_SIGNING_KEY (an RSA private JWK, or an array of
// them for rotation). Pure and synchronous, so that lib/env.ts refuses a bad entry at
// startup naming the client and the field (docs/oidc.md, OIDC_CLIENTS reference).

const GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"] as const;

/** An absolute http(s) URL without a fragment (OAuth 2.0 §3.1.2). */
const redirectUri = z.string().refine(
  (value) => {
    const parsed = URL.parse(value);
    return !!parsed && /^https?:$/.test(parsed.protocol) && !parsed.hash && !value.includes("#");
  },
  { error: "must be an absolute http(s) URL without a fragment" },
);

/** A resource indicator (RFC 8707): an absolute URI without a fragment. */
const resourceUri = z.string().refine((value) => !!URL.parse(value) && !value.includes("#"), {
  error: "must be an absolute URI without a fragment",
});

export const OidcClientSchema = z
  .object({
    client_id: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, { error: "must be 1 to 128 letters, digits or . _ ~ -" }),
    client_secret: z.string().min(32, { error: "must be at least 32 characters (`openssl rand -base64 32` prints one)" }).optional(),
    public: z.boolean().optional(),
    redirect_uris: z.array(redirectUri).default([]),
    post_logout_redirect_uris: z.array(redirectUri).default([]),
    name: z.string().trim().min(1).max(100).optional(),
    skip_consent: z.boolean().default(false),
    disabled: z.boolean().default(false),
    id_token_signed_response_alg: z.enum(["RS256", "EdDSA"]).default("RS256"),
    token_endpoint_auth_method: z.enum(["client_secret_basic", "client_secret_post"]).optional(),
    grant_types: z.array(z.enum(GRANT_TYPES)).min(1).default(["authorization_code", "refresh_token"]),
    backchannel_logout_uri: redirectUri.optional(),
    // Gatehouse's own addition: the APIs (RFC 8707 resource indicators) this client may ask
    // an access token for; such a token is a JWT (RFC 9068) whose `aud` is the resource.
    resources: z.array(resourceUri).default([]),
  })
  .strict()
  .superRefine((client, ctx) => {
    if (client.public && client.client_secret !== undefined) {
      ctx.addIssue({ code: "custom", path: ["client_secret"], message: "a public client has no secret (remove it, or `public`)" });
    }
    if (!client.public && client.client_secret === undefined) {
      ctx.addIssue({ code: "custom", path: ["client_secret"], message: 'is required (or `"public": true` for a browser, mobile or CLI app)' });
    }
    if (client.public && client.token_endpoint_auth_method) {
      ctx.addIssue({ code: "custom", path: ["token_endpoint_auth_method"], message: "a public client authenticates with none" });
    }
    if (client.public && client.grant_types.includes("client_credentials")) {
      ctx.addIssue({ code: "custom", path: ["grant_types"], message: "client_credentials needs a confidential client" });
    }
    if (client.grant_types.includes("authorization_code") && client.redirect_uris.length === 0) {
      ctx.addIssue({ code: "custom", path: ["redirect_uris"], message: "needs at least one URI for authorization_code" });
    }
    if (client.grant_types.includes("refresh_token") && !client.grant_types.includes("authorization_code")) {
      ctx.addIssue({ code: "custom", path: ["grant_types"], message: "refresh_token comes with authorization_code" });
    }
  });

export type OidcClient = z.output<typeof OidcClientSchema>;

/**
 * OIDC_CLIENTS: a JSON array of clients. A bad entry names its client (by client_id, or
 * its position when it has none) and the field; secrets are never echoed.
 */
export const oidcClientsVariable = z.string().transform((raw, ctx): OidcClient[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a JSON array of clients (docs/oidc.md)" });
    return z.NEVER;
  }
  if (!Array.isArray(parsed)) {
    ctx.addIssue({ code: "custom", message: "must be a JSON array of clients (docs/oidc.md)" });
    return z.NEVER;
  }
  const clients: OidcClient[] = [];
  const seen = new Set<string>();
  parsed.forEach((entry, index) => {
    const id = entry && typeof entry === "object" && typeof (entry as { client_id?: unknown }).client_id === "string" ? (entry as { client_id: string }).client_id : null;
    const who = id ? `client "${id}"` : `client ${index + 1}`;
    const result = OidcClientSchema.safeParse(entry);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const field = issue.path.length ? issue.path.join(".") : issue.code === "unrecognized_keys" ? (issue as { keys?: string[] }).keys?.join(", ") : "(entry)";
        ctx.addIssue({ code: "custom", message: `${who}, ${field}: ${issue.code === "unrecognized_keys" ? "is not a known field" : issue.message}` });
      }
      return;
    }
    if (seen.has(result.data.client_id)) {
      ctx.addIssue({ code: "custom", message: `${who}, client_id: appears twice` });
      return;
    }
    seen.add(result.data.client_id);
    clients.push(result.data);
  });
  return clients;
});

const RsaPrivateJwkSchema = z.object({
  kty: z.literal("RSA"),
  n: z.string().min(1),
  e: z.string().min(1),
  d: z.string().min(1),
  p: z.string().min(1),
  q: z.string().min(1),
  dp: z.string().min(1),
  dq: z.string().min(1),
  qi: z.string().min(1),
  kid: z.string().min(1).optional(),
  alg: z.literal("RS256").optional(),
  use: z.literal("sig").optional(),
});

export type RsaPrivateJwk = z.infer<typeof RsaPrivateJwkSchema>;

const RSA_KEY_HINT = 'must be an RSA private key of at least 2048 bits as JWK JSON ({"kty":"RSA","n":…,"d":…}), or a JSON array of them (the first signs); docs/oidc.md prints one';

/** The modulus length of an RSA private JWK, or null when Node cannot load it. */
function rsaBits(jwk: RsaPrivateJwk): number | null {
  try {
    return createPrivateKey({ key: jwk, format: "jwk" }).asymmetricKeyDetails?.modulusLength ?? null;
  } catch {
    return null;
  }
}

/** OIDC_SIGNING_KEY: one RSA private JWK, or several (the first signs, the rest stay published). */
export const oidcSigningKeyVariable = z.string().transform((raw, ctx): RsaPrivateJwk[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    ctx.addIssue({ code: "custom", message: RSA_KEY_HINT });
    return z.NEVER;
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const result = z.array(RsaPrivateJwkSchema).min(1).safeParse(list);
  if (!result.success) {
    ctx.addIssue({ code: "custom", message: RSA_KEY_HINT });
    return z.NEVER;
  }
  for (const [index, jwk] of result.data.entries()) {
    const bits = rsaBits(jwk);
    const which = result.data.length > 1 ? `key ${index + 1} ` : "";
    if (bits === null) ctx.addIssue({ code: "custom", message: `${which}is not a usable RSA private key` });
    else if (bits < 2048) ctx.addIssue({ code: "custom", message: `${which}has ${bits} bits: at least 2048 are required` });
  }
  return result.data;
});
