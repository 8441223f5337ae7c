import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { oidcClientsVariable, oidcSigningKeyVariable } from "@/lib/oidc/config";

// OIDC_CLIENTS and OIDC_SIGNING_KEY (docs/oidc.md): a bad entry names the client and the
// field, and never echoes a secret.

const messages = (raw: string, schema: typeof oidcClientsVariable | typeof oidcSigningKeyVariable = oidcClientsVariable) => {
  const result = schema.safeParse(raw);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};

const SECRET = "s".repeat(40);

describe("OIDC_CLIENTS", () => {
  it("takes a confidential and a public client, with the documented defaults", () => {
    const clients = oidcClientsVariable.parse(
      JSON.stringify([
        { client_id: "crm", client_secret: SECRET, redirect_uris: ["https://crm.example.com/cb"] },
        { client_id: "cli", public: true, redirect_uris: ["http://127.0.0.1:8765/cb"] },
      ]),
    );
    expect(clients[0]).toMatchObject({ skip_consent: false, disabled: false, id_token_signed_response_alg: "RS256", grant_types: ["authorization_code", "refresh_token"] });
    expect(clients[0]!.token_endpoint_auth_method).toBeUndefined();
    expect(clients[1]!.public).toBe(true);
  });

  it("names the client and the field of each problem", () => {
    const found = messages(
      JSON.stringify([
        { client_id: "crm", client_secret: "short", redirect_uris: ["not a url", "https://ok.example/cb#frag"] },
        { client_id: "cli", public: true, client_secret: SECRET, redirect_uris: ["https://x.example/cb"] },
        { client_secret: SECRET, redirect_uris: ["https://x.example/cb"] },
        { client_id: "svc", client_secret: SECRET, grant_types: ["authorization_code"], redirect_uris: [] },
        { client_id: "typo", client_secret: SECRET, redirect_uris: ["https://x.example/cb"], redirect_uri: "x" },
        { client_id: "alg", client_secret: SECRET, redirect_uris: ["https://x.example/cb"], id_token_signed_response_alg: "HS256" },
      ]),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^client "crm", client_secret: must be at least 32 characters/),
        expect.stringMatching(/^client "crm", redirect_uris\.0: must be an absolute http\(s\) URL/),
        expect.stringMatching(/^client "crm", redirect_uris\.1: /),
        expect.stringMatching(/^client "cli", client_secret: a public client has no secret/),
        expect.stringMatching(/^client 3, client_id: /),
        expect.stringMatching(/^client "svc", redirect_uris: needs at least one URI/),
        expect.stringMatching(/^client "typo", redirect_uri: is not a known field/),
        expect.stringMatching(/^client "alg", id_token_signed_response_alg: /),
      ]),
    );
    expect(found.join("\n")).not.toContain("short");
  });

  it("refuses a duplicate client_id, client_credentials for a public client, and what is not an array", () => {
    expect(messages(JSON.stringify([{ client_id: "a", client_secret: SECRET, redirect_uris: ["https://a.example/cb"] }, { client_id: "a", client_secret: SECRET, redirect_uris: ["https://a.example/cb"] }]))).toEqual(['client "a", client_id: appears twice']);
    expect(messages(JSON.stringify([{ client_id: "p", public: true, redirect_uris: ["https://a.example/cb"], grant_types: ["authorization_code", "client_credentials"] }]))).toEqual(['client "p", grant_types: client_credentials needs a confidential client']);
    expect(messages("{}")).toEqual(["must be a JSON array of clients (docs/oidc.md)"]);
    expect(messages("not json")).toEqual(["must be a JSON array of clients (docs/oidc.md)"]);
  });
});

describe("OIDC_SIGNING_KEY", () => {
  const rsa = (bits: number) => generateKeyPairSync("rsa", { modulusLength: bits }).privateKey.export({ format: "jwk" });
  // One 2048-bit key for the file: making them is the slow part.
  const key = rsa(2048);

  it("takes a private RSA JWK of 2048 bits, or an array for rotation", () => {
    expect(oidcSigningKeyVariable.parse(JSON.stringify(key))).toHaveLength(1);
    expect(oidcSigningKeyVariable.parse(JSON.stringify([key, { ...key, kid: "old" }]))).toHaveLength(2);
  });

  it("refuses a short key, a public key and an EC key, without echoing the key", () => {
    const short = rsa(1024);
    expect(messages(JSON.stringify(short), oidcSigningKeyVariable)).toEqual(["has 1024 bits: at least 2048 are required"]);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicOnly } = key;
    expect(messages(JSON.stringify(publicOnly), oidcSigningKeyVariable)[0]).toMatch(/^must be an RSA private key of at least 2048 bits/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
    expect(messages(JSON.stringify(ec), oidcSigningKeyVariable).join()).not.toContain(String(ec.d));
  });
});

describe("the provider's keys (lib/oidc/keys.ts)", () => {
  it("in development: an RSA key made once in the data directory (0600), and derived EdDSA and cookie keys that a restart keeps", async () => {
    const { existsSync, readFileSync, statSync } = await import("node:fs");
    const path = await import("node:path");
    const { dataDirectory } = await import("@/db/client");
    const { loadOidcKeys } = await import("@/lib/oidc/keys");
    const file = path.join(dataDirectory(process.env.DATABASE_URL!), "oidc-signing-key.json");
    expect(existsSync(file)).toBe(false);
    const first = await loadOidcKeys();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ kty: "RSA" });
    expect(first.jwks.keys.map((k) => k.alg)).toEqual(["RS256", "EdDSA"]);
    const again = await loadOidcKeys();
    expect(again).toEqual(first);
    expect(first.cookieKeys[0]).toMatch(/^[\w-]{43}$/);
  });

  it("with OIDC_SIGNING_KEY: that key, no file, and every instance derives the same EdDSA and cookie keys from it", async () => {
    const { setEnv } = await import("./helpers");
    const { loadOidcKeys } = await import("@/lib/oidc/keys");
    const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
    setEnv({ OIDC_SIGNING_KEY: JSON.stringify(key) });
    const a = await loadOidcKeys();
    const b = await loadOidcKeys();
    expect(a).toEqual(b);
    expect(a.jwks.keys[0]).toMatchObject({ kty: "RSA", n: key.n, alg: "RS256" });
    expect(a.jwks.keys[1]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(a.cookieKeys).not.toContain(key.d);
  });
});
