import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { emails, recoveryCodes, securityEvents, totpCredentials } from "@/db/schema";
import { consumeMfaToken, createMfaToken, MFA_TOKEN_TTL_MS, peekMfaToken } from "@/lib/auth/mfa/mfa-token";
import { matchRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "@/lib/auth/mfa/recovery-codes";
import { passSecondStep, recoveryCodesLeft } from "@/lib/auth/mfa/second-factor";
import { confirmTotpSetup, disableTotp, regenerateRecoveryCodes, startTotpSetup } from "@/lib/auth/mfa/enrolment";
import { openSecret, sealSecret } from "@/lib/auth/mfa/secret-box";
import { getMfaStatus } from "@/lib/auth/mfa/second-factor";
import { matchTotpStep, timeStep } from "@/lib/auth/mfa/totp";
import { sha256 } from "@/lib/crypto";
import { expectConsoleError } from "../support/unit-setup";
import { createUser, setEnv } from "./helpers";

// docs/api.md, second factor: RFC 6238 codes that work once, recovery codes that work
// once, secrets sealed at rest, mfa tokens, and every wrong code charged to the account.

const client = { ip: "203.0.113.9", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36" };
const codeAt = (secret: Uint8Array, now: number, offsetSteps = 0) => generateHOTP(secret, BigInt(timeStep(now) + offsetSteps), 6);

describe("TOTP codes (RFC 6238, SHA-1, 30 s, one step of drift)", () => {
  // RFC 6238 appendix B: the SHA-1 seed, with the last six of its eight digits.
  const seed = new TextEncoder().encode("12345678901234567890");

  it("matches the RFC's test vectors and says which step matched", () => {
    expect(matchTotpStep(seed, "287082", 59_000)).toBe(1);
    expect(matchTotpStep(seed, "081804", 1_111_111_109_000)).toBe(37_037_036);
    expect(matchTotpStep(seed, "005924", 1_234_567_890_000)).toBe(41_152_263);
  });

  it("takes the step before and after, not two away, and never a spent step", () => {
    const now = 1_700_000_000_000;
    expect(matchTotpStep(seed, codeAt(seed, now, -1), now)).toBe(timeStep(now) - 1);
    expect(matchTotpStep(seed, codeAt(seed, now, 1), now)).toBe(timeStep(now) + 1);
    expect(matchTotpStep(seed, codeAt(seed, now, 2), now)).toBeNull();
    expect(matchTotpStep(seed, codeAt(seed, now, -2), now)).toBeNull();
    expect(matchTotpStep(seed, codeAt(seed, now), now, timeStep(now))).toBeNull();
    expect(matchTotpStep(seed, codeAt(seed, now, -1), now, timeStep(now))).toBeNull();
    for (const malformed of ["", "12345", "1234567", "12a456", " 123456"]) expect(matchTotpStep(seed, malformed, now)).toBeNull();
  });
});

describe("secrets at rest (AES-256-GCM, HKDF from configuration)", () => {
  const plain = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  it("opens what it sealed, only for the same user, and not once tampered with", async () => {
    const box = await sealSecret(plain, "totp:1");
    expect(box).not.toContain(Buffer.from(plain).toString("base64url"));
    expect(await openSecret(box, "totp:1")).toEqual({ ok: true, plain: Buffer.from(plain) });
    expect(await openSecret(box, "totp:2")).toEqual({ ok: false, reason: "corrupt" });
    const parts = box.split(".");
    parts[3] = Buffer.from(Buffer.from(parts[3]!, "base64url").map((b, i) => (i === 0 ? b ^ 1 : b))).toString("base64url");
    expect(await openSecret(parts.join("."), "totp:1")).toEqual({ ok: false, reason: "corrupt" });
    expect(await openSecret("garbage", "totp:1")).toEqual({ ok: false, reason: "corrupt" });
  });

  it("keeps old boxes readable while their root is still listed, and names a missing one", async () => {
    const oldRoot = "an old root secret of at least thirty-two characters";
    const newRoot = "a new root secret also at least thirty-two characters";
    setEnv({ MFA_ENCRYPTION_KEY: oldRoot });
    const box = await sealSecret(plain, "totp:1");
    setEnv({ MFA_ENCRYPTION_KEY: `${newRoot},${oldRoot}` });
    expect((await openSecret(box, "totp:1")).ok).toBe(true);
    const fresh = await sealSecret(plain, "totp:1");
    expect(fresh.split(".")[1]).not.toBe(box.split(".")[1]);
    setEnv({ MFA_ENCRYPTION_KEY: newRoot });
    expect(await openSecret(box, "totp:1")).toEqual({ ok: false, reason: "unknown_key" });
    expect((await openSecret(fresh, "totp:1")).ok).toBe(true);
  });
});

describe("recovery codes", () => {
  it("are ten distinct 80-bit codes, forgiving case, spaces and dashes", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    const code = codes[0]!;
    const stored = codes.map((c, i) => ({ id: i + 1, codeHash: sha256(normalizeRecoveryCode(c)!) }));
    expect(matchRecoveryCode(code.toLowerCase().replace(/-/g, " "), stored)).toBe(1);
    expect(matchRecoveryCode("AAAA-AAAA-AAAA-AAAA", stored)).toBeNull();
    expect(matchRecoveryCode("not a code", stored)).toBeNull();
  });
});

async function userWithTotp(now = Date.now()) {
  const user = await createUser({ emailVerified: true });
  const setup = await startTotpSetup(user);
  if (!setup.ok) throw new Error("setup refused");
  const secret = decodeBase32IgnorePadding(setup.secret);
  const confirmed = await confirmTotpSetup({ user, code: codeAt(secret, now), client }, now);
  if (!confirmed.ok) throw new Error(`confirm refused: ${confirmed.reason}`);
  return { user, secret, setup, codes: confirmed.recoveryCodes };
}

describe("turning TOTP on and off", () => {
  it("stores the secret sealed, turns on at the first code, and gives ten hashed codes and a notice", async () => {
    const now = Date.now();
    const { user, secret, setup, codes } = await userWithTotp(now);
    expect(setup.otpauthUri).toMatch(/^otpauth:\/\/totp\/.+\?.*secret=/);
    const [row] = await getDb().select().from(totpCredentials).where(eq(totpCredentials.userId, user.id));
    expect(row!.encryptedSecret).not.toContain(setup.secret);
    expect(row!.confirmedAt).not.toBeNull();
    const stored = await getDb().select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    expect(stored.map((r) => r.codeHash).sort()).toEqual(codes.map((c) => sha256(normalizeRecoveryCode(c)!)).sort());
    expect(await getMfaStatus(user)).toEqual({ password: true, totp: true, recovery_codes_left: 10, passkeys: [] });
    const mail = await getDb().select().from(emails).where(eq(emails.to, user.email));
    expect(mail.map((m) => m.subject)).toContain("Two-step verification is on");
    // A second setup while on is refused; the secret stays.
    expect(await startTotpSetup(user)).toEqual({ ok: false, reason: "already_enabled" });
    expect(matchTotpStep(secret, codeAt(secret, now + 30_000), now + 30_000)).not.toBeNull();
  });

  it("refuses a wrong code at confirm, and a new setup replaces an unconfirmed one", async () => {
    const user = await createUser();
    const first = await startTotpSetup(user);
    const second = await startTotpSetup(user);
    if (!first.ok || !second.ok) throw new Error("setup refused");
    const now = Date.now();
    const stale = codeAt(decodeBase32IgnorePadding(first.secret), now);
    const fresh = codeAt(decodeBase32IgnorePadding(second.secret), now);
    if (stale !== fresh) expect(await confirmTotpSetup({ user, code: stale, client }, now)).toEqual({ ok: false, reason: "invalid_code" });
    expect((await confirmTotpSetup({ user, code: fresh, client }, now)).ok).toBe(true);
  });

  it("accepts a code once: the same step, or an earlier one, is a replay", async () => {
    const now = Date.now();
    const { user, secret } = await userWithTotp(now);
    // The confirm spent this step.
    expect(await passSecondStep({ user, code: codeAt(secret, now), accept: "totp", client }, now)).toEqual({ ok: false, reason: "invalid_code" });
    const later = now + 30_000;
    expect(await passSecondStep({ user, code: codeAt(secret, later), accept: "totp", client }, later)).toMatchObject({ ok: true, method: "totp" });
    expect(await passSecondStep({ user, code: codeAt(secret, later), accept: "totp", client }, later)).toEqual({ ok: false, reason: "invalid_code" });
    expect(await passSecondStep({ user, code: codeAt(secret, later, -1), accept: "totp", client }, later)).toEqual({ ok: false, reason: "invalid_code" });
  });

  it("spends a recovery code once, records it and tells the owner how many are left", async () => {
    const { user, codes } = await userWithTotp();
    const used = await passSecondStep({ user, code: codes[3]!, accept: "recovery_code", client });
    expect(used).toMatchObject({ ok: true, method: "recovery_code" });
    expect(await passSecondStep({ user, code: codes[3]!, accept: "recovery_code", client })).toEqual({ ok: false, reason: "invalid_code" });
    expect(await recoveryCodesLeft(user.id)).toBe(9);
    const events = await getDb().select().from(securityEvents).where(eq(securityEvents.userId, user.id));
    expect(events.map((e) => [e.type, e.detail])).toContainEqual(["recovery_code_used", { remaining: 9 }]);
    const mail = await getDb().select().from(emails).where(eq(emails.to, user.email));
    expect(mail.find((m) => m.subject === "A recovery code was used")?.text).toContain("9 codes are left");
  });

  it("counts wrong codes toward the account lockout, as wrong passwords do", async () => {
    const now = Date.now();
    const { user, secret } = await userWithTotp(now);
    for (let i = 0; i < 5; i++) expect((await passSecondStep({ user, code: "000000", accept: "totp", client }, now)).ok).toBe(false);
    const locked = await passSecondStep({ user, code: codeAt(secret, now + 30_000), accept: "totp", client }, now + 30_000);
    expect(locked).toMatchObject({ ok: false, reason: "locked" });
  });

  it("new recovery codes replace the old; turning off with a recovery code deletes everything", async () => {
    const now = Date.now();
    const { user, secret, codes } = await userWithTotp(now);
    const later = now + 30_000;
    const renewed = await regenerateRecoveryCodes({ user, code: codeAt(secret, later), client }, later);
    if (!renewed.ok) throw new Error("regeneration refused");
    expect(renewed.recoveryCodes.some((c) => codes.includes(c))).toBe(false);
    // Recovery codes do not renew recovery codes.
    expect((await regenerateRecoveryCodes({ user, code: renewed.recoveryCodes[0]!, client }, later)).ok).toBe(false);
    expect(await disableTotp({ user, code: codes[0]!, client })).toEqual({ ok: false, reason: "invalid_code" });
    expect((await disableTotp({ user, code: renewed.recoveryCodes[1]!, client })).ok).toBe(true);
    expect(await getMfaStatus(user)).toMatchObject({ totp: false, recovery_codes_left: 0 });
    expect(await getDb().select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id))).toEqual([]);
    expect(await disableTotp({ user, code: "123456", client })).toEqual({ ok: false, reason: "no_setup" });
  });

  it("logs, and refuses, a secret sealed under a root that is no longer configured", async () => {
    setEnv({ MFA_ENCRYPTION_KEY: "the first root secret of thirty-two characters or more" });
    const now = Date.now();
    const { user, secret } = await userWithTotp(now);
    setEnv({ MFA_ENCRYPTION_KEY: "a different root secret of thirty-two characters or more" });
    const logged = expectConsoleError(/TOTP secret could not be opened/);
    expect((await passSecondStep({ user, code: codeAt(secret, now + 30_000), accept: "totp", client }, now + 30_000)).ok).toBe(false);
    expect(logged()).toHaveLength(1);
  });
});

describe("mfa tokens", () => {
  it("are stored hashed, bound to their user, spent once, and expire after 5 minutes", async () => {
    const [alice, bob] = [await createUser(), await createUser()];
    const now = Date.now();
    const token = await createMfaToken({ userId: alice.id, method: "password", credentialsVersion: alice.credentialsVersion }, now);
    expect(JSON.stringify(await getDb().select().from((await import("@/db/schema")).mfaTokens))).not.toContain(token);
    expect(await peekMfaToken(token, now)).toEqual({ userId: alice.id, method: "password", credentialsVersion: 0 });
    expect(await consumeMfaToken(token, bob.id, now)).toBe(false);
    expect(await peekMfaToken(token, now + MFA_TOKEN_TTL_MS)).toBeNull();
    expect(await consumeMfaToken(token, alice.id, now)).toBe(true);
    expect(await consumeMfaToken(token, alice.id, now)).toBe(false);
    expect(await peekMfaToken(token, now)).toBeNull();
    expect(await peekMfaToken("unknown", now)).toBeNull();
  });
});
