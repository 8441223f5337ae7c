import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  SignJWT,
  base64url,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  type JWK,
} from "jose";
import { describe, expect, it, vi } from "vitest";
import { dataDirectory } from "@/db/client";
import { generateSigningJwk, getSigningKey, publicJwks, signAccessToken, verifyAccessToken } from "@/lib/auth/tokens";
import { resetSingletons } from "@/lib/singleton";

// docs/api.md, Tokens: EdDSA JWT with kid; iss, sub, sid, iat, exp, typ "access"; no personal
// data. docs/security.md: explicit algorithm list, issuer and type; alg none, HS256 with the
// public key, and a foreign kid are refused.

const APP_URL = "http://127.0.0.1:3999";
const claims = { userId: 42, sessionId: "session-abc" };

/** A token signed with our own private key but claims and header of the test's choosing. */
async function forge(
  payload: Record<string, unknown>,
  options: { kid?: string; issuer?: string; expiresIn?: number; subject?: string } = {},
): Promise<string> {
  const key = await getSigningKey();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "EdDSA", kid: options.kid ?? key.kid, typ: "JWT" })
    .setIssuer(options.issuer ?? APP_URL)
    .setSubject(options.subject ?? "42")
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 900))
    .sign(key.privateKey);
}

const encodeSegment = (value: unknown) => base64url.encode(JSON.stringify(value));

describe("signAccessToken → verifyAccessToken", () => {
  it("round-trips the user and session", async () => {
    const token = await signAccessToken(claims);
    expect(await verifyAccessToken(token)).toEqual(claims);
  });

  it("carries iss, sub, sid, typ, kid and exp = iat + ACCESS_TOKEN_TTL, and nothing personal", async () => {
    const token = await signAccessToken(claims);
    const header = decodeProtectedHeader(token);
    const payload = decodeJwt(token);
    expect(header).toEqual({ alg: "EdDSA", kid: (await getSigningKey()).kid, typ: "JWT" });
    expect(payload.iss).toBe(APP_URL);
    expect(payload.sub).toBe("42");
    expect(payload.sid).toBe("session-abc");
    expect(payload.typ).toBe("access");
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(Object.keys(payload).sort()).toEqual(["exp", "iat", "iss", "jti", "sid", "sub", "typ"]);
  });

  it("uses ACCESS_TOKEN_TTL", async () => {
    process.env.ACCESS_TOKEN_TTL = "60";
    const payload = decodeJwt(await signAccessToken(claims));
    expect(payload.exp! - payload.iat!).toBe(60);
  });

  it("can be verified by another service from the published JWKS alone", async () => {
    const token = await signAccessToken(claims);
    const jwks = createLocalJWKSet(await publicJwks());
    const { payload } = await jwtVerify(token, jwks, { issuer: APP_URL, algorithms: ["EdDSA"] });
    expect(payload.sub).toBe("42");
  });
});

describe("verifyAccessToken refuses", () => {
  it("an expired token, and accepts it until then", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const issuedAt = Date.now();
    const token = await signAccessToken(claims);
    vi.setSystemTime(issuedAt + 899_000);
    expect(await verifyAccessToken(token)).toEqual(claims);
    vi.setSystemTime(issuedAt + 901_000);
    expect(await verifyAccessToken(token)).toBeNull();
  });

  it("alg none", async () => {
    const { kid } = await getSigningKey();
    const now = Math.floor(Date.now() / 1000);
    const body = { iss: APP_URL, sub: "42", sid: "s", typ: "access", iat: now, exp: now + 900 };
    expect(await verifyAccessToken(`${encodeSegment({ alg: "none", kid })}.${encodeSegment(body)}.`)).toBeNull();
    expect(await verifyAccessToken(`${encodeSegment({ alg: "none", kid, typ: "JWT" })}.${encodeSegment(body)}.`)).toBeNull();
  });

  it("HS256 signed with the public key (algorithm confusion)", async () => {
    const { kid, publicJwk } = await getSigningKey();
    const now = Math.floor(Date.now() / 1000);
    const secrets = [
      base64url.decode(publicJwk.x!), // the raw public key bytes
      new TextEncoder().encode(publicJwk.x!),
      new TextEncoder().encode(JSON.stringify(publicJwk)),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT({ sid: "s", typ: "access" })
        .setProtectedHeader({ alg: "HS256", kid, typ: "JWT" })
        .setIssuer(APP_URL)
        .setSubject("42")
        .setIssuedAt(now)
        .setExpirationTime(now + 900)
        .sign(secret);
      expect(await verifyAccessToken(token)).toBeNull();
    }
  });

  it("another Ed25519 key that claims our kid", async () => {
    const { kid } = await getSigningKey();
    const other = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sid: "s", typ: "access" })
      .setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" })
      .setIssuer(APP_URL)
      .setSubject("42")
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(other.privateKey);
    expect(await verifyAccessToken(token)).toBeNull();
  });

  it("a kid that is not ours, even with a valid signature", async () => {
    expect(await verifyAccessToken(await forge({ sid: "s", typ: "access" }, { kid: "someone-elses-key" }))).toBeNull();
    // The control: the same token with our kid passes.
    expect(await verifyAccessToken(await forge({ sid: "s", typ: "access" }))).toEqual({ userId: 42, sessionId: "s" });
  });

  it("a token without a kid", async () => {
    const key = await getSigningKey();
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sid: "s", typ: "access" })
      .setProtectedHeader({ alg: "EdDSA" })
      .setIssuer(APP_URL)
      .setSubject("42")
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(key.privateKey);
    expect(await verifyAccessToken(token)).toBeNull();
  });

  it("a wrong issuer", async () => {
    expect(await verifyAccessToken(await forge({ sid: "s", typ: "access" }, { issuer: "https://evil.example.com" }))).toBeNull();
  });

  it("a token whose issuer was the APP_URL of another deployment", async () => {
    const token = await signAccessToken(claims);
    process.env.APP_URL = "https://auth.example.com";
    resetSingletons("env");
    expect(await verifyAccessToken(token)).toBeNull();
  });

  it("a type other than access", async () => {
    for (const typ of ["refresh", "id", undefined]) {
      expect(await verifyAccessToken(await forge({ sid: "s", typ }))).toBeNull();
    }
  });

  it("missing or malformed sid and sub", async () => {
    expect(await verifyAccessToken(await forge({ typ: "access" }))).toBeNull();
    expect(await verifyAccessToken(await forge({ typ: "access", sid: 7 }))).toBeNull();
    for (const subject of ["0", "abc", "-1", "1.5", "01", "99999999999999999"]) {
      expect(await verifyAccessToken(await forge({ typ: "access", sid: "s" }, { subject }))).toBeNull();
    }
  });

  it("a tampered payload", async () => {
    const token = await signAccessToken(claims);
    const [header, payload, signature] = token.split(".");
    const changed = { ...JSON.parse(new TextDecoder().decode(base64url.decode(payload!))), sub: "1" };
    expect(await verifyAccessToken(`${header}.${encodeSegment(changed)}.${signature}`)).toBeNull();
    // A flipped bit in the signature too.
    const flipped = signature!.startsWith("A") ? `B${signature!.slice(1)}` : `A${signature!.slice(1)}`;
    expect(await verifyAccessToken(`${header}.${payload}.${flipped}`)).toBeNull();
  });

  it("garbage", async () => {
    for (const token of ["", "abc", "a.b.c", "....", "eyJhbGciOiJFZERTQSJ9"]) {
      expect(await verifyAccessToken(token)).toBeNull();
    }
  });
});

describe("the development signing key", () => {
  it("is created once in the data directory, mode 0600, and reused after a restart", async () => {
    const file = path.join(dataDirectory(process.env.DATABASE_URL!), "signing-key.json");
    expect(existsSync(file)).toBe(false);
    const token = await signAccessToken(claims);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, "utf8")) as JWK;
    expect(stored).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(stored.d).toBeTruthy();
    const { kid } = await getSigningKey();
    expect(stored.kid).toBe(kid);

    // A restart: the process forgets the key and reads the same file back.
    resetSingletons("signing-key");
    expect((await getSigningKey()).kid).toBe(kid);
    expect(readFileSync(file, "utf8")).toBe(JSON.stringify(stored, null, 2));
    expect(await verifyAccessToken(token)).toEqual(claims);
  });

  it("is not used when AUTH_SIGNING_KEY is set", async () => {
    const jwk = await generateSigningJwk();
    process.env.AUTH_SIGNING_KEY = JSON.stringify(jwk);
    const token = await signAccessToken(claims);
    expect(decodeProtectedHeader(token).kid).toBe(jwk.kid);
    expect(existsSync(path.join(dataDirectory(process.env.DATABASE_URL!), "signing-key.json"))).toBe(false);
  });
});

describe("AUTH_SIGNING_KEY", () => {
  it("signs the tokens, and publicJwks publishes its kid without the private part", async () => {
    const jwk = await generateSigningJwk();
    process.env.AUTH_SIGNING_KEY = JSON.stringify(jwk);
    const jwks = await publicJwks();
    expect(jwks.keys).toHaveLength(1);
    const [published] = jwks.keys;
    expect(published).toEqual({ kty: "OKP", crv: "Ed25519", x: jwk.x, kid: jwk.kid, alg: "EdDSA", use: "sig" });
    expect(published).not.toHaveProperty("d");
    expect(JSON.stringify(jwks)).not.toContain(jwk.d!);

    const token = await signAccessToken(claims);
    expect(decodeProtectedHeader(token).kid).toBe(jwk.kid);
    expect(await verifyAccessToken(token)).toEqual(claims);
  });

  it("gets the JWK thumbprint as kid when it has none", async () => {
    const { kid, ...withoutKid } = await generateSigningJwk();
    process.env.AUTH_SIGNING_KEY = JSON.stringify(withoutKid);
    expect((await publicJwks()).keys[0]?.kid).toBe(kid);
  });

  it("makes tokens of the development key invalid once it replaces it", async () => {
    const devToken = await signAccessToken(claims);
    process.env.AUTH_SIGNING_KEY = JSON.stringify(await generateSigningJwk());
    resetSingletons("env", "signing-key");
    expect(await verifyAccessToken(devToken)).toBeNull();
  });
});
