import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { ed25519Thumbprint } from "@/lib/auth/key-set";
import { generateSigningJwk, getSigningKey, publicJwks, signAccessToken, verifyAccessToken } from "@/lib/auth/tokens";
import { EnvError, parseEnv } from "@/lib/env";
import { resetSingletons } from "@/lib/singleton";

// Signing-key rotation (docs/decisions/016, README "Rotating the signing key"):
// AUTH_SIGNING_KEYS lists every key that verifies and is published; AUTH_SIGNING_KID
// names the signer. A bad set stops startup with the variable's name, never the key.

const keys = async (n: number) => Promise.all(Array.from({ length: n }, () => generateSigningJwk()));
const publicHalf = ({ d: _d, ...rest }: JWK) => rest;

function refusal(source: Record<string, string>): string {
  try {
    parseEnv(source, "test");
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).message;
  }
  throw new Error("parseEnv accepted the environment");
}

describe("parsing AUTH_SIGNING_KEYS and AUTH_SIGNING_KID", () => {
  it("takes a list, the named signer first, the others after it in their order", async () => {
    const [previous, current, next] = await keys(3);
    const env = parseEnv({ AUTH_SIGNING_KEYS: JSON.stringify([previous, current, next]), AUTH_SIGNING_KID: current!.kid! });
    expect(env.signingKeys!.signer).toMatchObject({ kid: current!.kid, x: current!.x, d: current!.d });
    expect(env.signingKeys!.keys.map((k) => k.kid)).toEqual([current!.kid, previous!.kid, next!.kid]);
  });

  it("reads AUTH_SIGNING_KEY as a list of one that signs, and one-key lists need no kid", async () => {
    const [key] = await keys(1);
    for (const source of [{ AUTH_SIGNING_KEY: JSON.stringify(key) }, { AUTH_SIGNING_KEYS: JSON.stringify([key]) }]) {
      const env = parseEnv(source);
      expect(env.signingKeys).toEqual({ signer: { kid: key!.kid, x: key!.x, d: key!.d }, keys: [{ kid: key!.kid, x: key!.x, d: key!.d }] });
    }
    expect(parseEnv({}).signingKeys).toBeNull();
  });

  it("gives a key without kid its RFC 7638 thumbprint, as jose computes it", async () => {
    const [key] = await keys(1);
    expect(ed25519Thumbprint(key!.x!)).toBe(await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: key!.x! }));
    const { kid, ...withoutKid } = key!;
    expect(parseEnv({ AUTH_SIGNING_KEYS: JSON.stringify([withoutKid]) }).signingKeys!.signer.kid).toBe(kid);
  });

  it("accepts a public-only key beside the signer (a previous key that only verifies)", async () => {
    const [previous, current] = await keys(2);
    const env = parseEnv({ AUTH_SIGNING_KEYS: JSON.stringify([publicHalf(previous!), current]), AUTH_SIGNING_KID: current!.kid! });
    expect(env.signingKeys!.keys[1]).toEqual({ kid: previous!.kid, x: previous!.x });
  });

  it("refuses duplicate kids, naming the variable and the kid but not the key", async () => {
    const [a, b] = await keys(2);
    const message = refusal({ AUTH_SIGNING_KEYS: JSON.stringify([{ ...a, kid: "k1" }, { ...b, kid: "k1" }]), AUTH_SIGNING_KID: "k1" });
    expect(message).toMatch(/AUTH_SIGNING_KEYS: key 2 \("k1"\): kid is used by an earlier key/);
    expect(message).not.toContain(a!.d!);
    expect(message).not.toContain(b!.d!);
    // A custom kid that collides with another key's thumbprint counts too.
    expect(refusal({ AUTH_SIGNING_KEYS: JSON.stringify([a, { ...b, kid: a!.kid }]), AUTH_SIGNING_KID: a!.kid! })).toContain("kids must be unique");
  });

  it("refuses the same key listed twice under two kids", async () => {
    const [a] = await keys(1);
    const message = refusal({ AUTH_SIGNING_KEYS: JSON.stringify([a, { ...publicHalf(a!), kid: "again" }]), AUTH_SIGNING_KID: a!.kid! });
    expect(message).toContain('AUTH_SIGNING_KEYS: key 2 ("again"): the same public key is listed twice');
  });

  it("refuses a private half that does not belong to its public half", async () => {
    const [a, b] = await keys(2);
    const message = refusal({ AUTH_SIGNING_KEY: JSON.stringify({ ...a, x: b!.x }) });
    expect(message).toMatch(/AUTH_SIGNING_KEY: the key \("[^"]+"\): "d" is not the private half of "x"/);
    expect(message).not.toContain(a!.d!);
  });

  it("needs AUTH_SIGNING_KID with several keys, and it must name a private key in the list", async () => {
    const [a, b, stranger] = await keys(3);
    const list = JSON.stringify([publicHalf(a!), b]);
    expect(refusal({ AUTH_SIGNING_KEYS: list })).toMatch(/AUTH_SIGNING_KID: is required when AUTH_SIGNING_KEYS holds 2 keys/);
    expect(refusal({ AUTH_SIGNING_KEYS: list, AUTH_SIGNING_KID: stranger!.kid! })).toMatch(/AUTH_SIGNING_KID: "[^"]+" is not the kid of any key in AUTH_SIGNING_KEYS/);
    expect(refusal({ AUTH_SIGNING_KEYS: list, AUTH_SIGNING_KID: a!.kid! })).toMatch(/AUTH_SIGNING_KID: "[^"]+" is a public key in AUTH_SIGNING_KEYS; the signer needs its private half/);
    expect(refusal({ AUTH_SIGNING_KID: a!.kid! })).toContain("AUTH_SIGNING_KID: names a signer, but AUTH_SIGNING_KEYS is not set");
    // A one-key list with a kid that is not its own is a typo too.
    expect(refusal({ AUTH_SIGNING_KEYS: JSON.stringify([b]), AUTH_SIGNING_KID: a!.kid! })).toContain("is not the kid of any key");
  });

  it("refuses both variables at once, an empty list, and malformed entries, naming the entry", async () => {
    const [a] = await keys(1);
    expect(refusal({ AUTH_SIGNING_KEY: JSON.stringify(a), AUTH_SIGNING_KEYS: JSON.stringify([a]) })).toContain(
      "AUTH_SIGNING_KEYS: set AUTH_SIGNING_KEY or AUTH_SIGNING_KEYS, not both",
    );
    expect(refusal({ AUTH_SIGNING_KEYS: "[]" })).toMatch(/AUTH_SIGNING_KEYS: must be a JSON array of Ed25519 JWKs/);
    expect(refusal({ AUTH_SIGNING_KEYS: JSON.stringify(a) })).toMatch(/AUTH_SIGNING_KEYS: must be a JSON array/);
    const bad = refusal({ AUTH_SIGNING_KEYS: JSON.stringify([a, { kty: "RSA", n: "x", e: "AQAB" }]) });
    expect(bad).toMatch(/AUTH_SIGNING_KEYS: key 2 must be a JSON array/);
    expect(bad).not.toContain(a!.d!);
  });

  it("lets production start on AUTH_SIGNING_KEYS alone, and still refuses no key at all", async () => {
    const [a] = await keys(1);
    expect(() => parseEnv({ AUTH_SIGNING_KEYS: JSON.stringify([a]), RESEND_API_KEY: "re_x" }, "production")).not.toThrow();
    expect(() => parseEnv({ RESEND_API_KEY: "re_x" }, "production")).toThrow(/AUTH_SIGNING_KEY: is required in production.*or AUTH_SIGNING_KEYS/);
  });
});

describe("tokens across a rotation", () => {
  /** One instance's configuration, as a restart with new variables would load it. */
  function configure(list: JWK[], signerKid: string): void {
    delete process.env.AUTH_SIGNING_KEY;
    process.env.AUTH_SIGNING_KEYS = JSON.stringify(list);
    process.env.AUTH_SIGNING_KID = signerKid;
    resetSingletons("env", "signing-key");
  }
  const claims = { userId: 7, sessionId: "s-7" };

  it("verifies tokens of every configured key, signs with the named one, and refuses a dropped one", async () => {
    const [old, next] = await keys(2);
    configure([old!], old!.kid!);
    const fromOld = await signAccessToken(claims);

    // Step 1: the next key is published but does not sign.
    configure([old!, next!], old!.kid!);
    expect((await publicJwks()).keys.map((k) => k.kid)).toEqual([old!.kid, next!.kid]);
    expect(decodeProtectedHeader(await signAccessToken(claims)).kid).toBe(old!.kid);

    // Step 2: it signs; the old key still verifies (and is listed after the signer).
    configure([old!, next!], next!.kid!);
    const fromNext = await signAccessToken(claims);
    expect(decodeProtectedHeader(fromNext).kid).toBe(next!.kid);
    expect((await publicJwks()).keys.map((k) => k.kid)).toEqual([next!.kid, old!.kid]);
    expect(await verifyAccessToken(fromOld)).toEqual(claims);
    expect(await verifyAccessToken(fromNext)).toEqual(claims);
    // Another service with only the JWKS verifies both, too.
    const jwks = createLocalJWKSet(await publicJwks());
    for (const token of [fromOld, fromNext]) await expect(jwtVerify(token, jwks, { algorithms: ["EdDSA"] })).resolves.toBeTruthy();

    // Step 3: the old key is gone; its tokens verify no more, the new key's still do.
    configure([next!], next!.kid!);
    expect((await publicJwks()).keys.map((k) => k.kid)).toEqual([next!.kid]);
    expect(await verifyAccessToken(fromOld)).toBeNull();
    expect(await verifyAccessToken(fromNext)).toEqual(claims);
  });

  it("publishes no private part of any key", async () => {
    const [a, b] = await keys(2);
    configure([a!, b!], b!.kid!);
    const published = JSON.stringify(await publicJwks());
    expect(published).not.toContain(a!.d!);
    expect(published).not.toContain(b!.d!);
    expect((await publicJwks()).keys.every((k) => Object.keys(k).sort().join() === "alg,crv,kid,kty,use,x")).toBe(true);
  });

  it("refuses a token under a published kid but signed by another key", async () => {
    const [a, b] = await keys(2);
    configure([b!], b!.kid!);
    const signedByB = await signAccessToken(claims);
    // A token from b relabelled as a's: the kid picks a's public key, which does not match.
    configure([publicHalf(a!), b!], b!.kid!);
    const [, payload, signature] = signedByB.split(".");
    const relabelled = `${Buffer.from(JSON.stringify({ alg: "EdDSA", kid: a!.kid, typ: "JWT" })).toString("base64url")}.${payload}.${signature}`;
    expect(await verifyAccessToken(relabelled)).toBeNull();
    expect(await verifyAccessToken(signedByB)).toEqual(claims);
    expect((await getSigningKey()).kid).toBe(b!.kid);
  });
});
