import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DJANGO_HASH_LIMITS,
  classifyDjangoPassword,
  djangoHashCost,
  parseDjangoHash,
  verifyDjangoHashOnce,
  verifyDjangoPassword,
} from "@/lib/auth/django-hashes";
import { PASSWORD_HASH_OPTIONS, hashPassword, hashingQueue, needsRehash, verifyPasswordHash } from "@/lib/auth/password";
import { CurrentPasswordSchema } from "@/lib/validation";
import { setEnv } from "./helpers";

// Django's formats against hashes Django 3.2 made (tests/fixtures/django, make-fixtures.py):
// each right password passes, near misses fail, and both the typed and the NFKC form count.

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/django");
type Record_ = { model: string; pk: number; fields: Record<string, unknown> };
const seed: Record_[] = JSON.parse(readFileSync(path.join(FIXTURES, "seed.json"), "utf8"));
const typed: Record<string, { password: string; format: string }> = JSON.parse(readFileSync(path.join(FIXTURES, "passwords.json"), "utf8")).seed;
const stored = (username: string) => seed.find((r) => r.fields.username === username)!.fields.password as string;

const FORMATS = [
  ["pbkdf2", "pbkdf2_sha256", 260_000],
  ["pbkdf2million", "pbkdf2_sha256", 1_000_000],
  ["pbkdf2sha1", "pbkdf2_sha1", 260_000],
  ["argon2", "argon2", null],
  ["bcryptsha256", "bcrypt_sha256", null],
  ["bcrypt", "bcrypt", null],
] as const;

describe("Django's hash formats, as Django 3.2 wrote them", () => {
  it.each(FORMATS)("%s (%s): the right password passes through the hashing line, others fail", async (username, format, iterations) => {
    const encoded = stored(username);
    const hash = parseDjangoHash(encoded)!;
    expect(hash.format).toBe(format);
    if (iterations !== null) expect(hash).toMatchObject({ iterations });
    const password = typed[username]!.password;
    expect(await verifyPasswordHash(encoded, CurrentPasswordSchema.parse(password))).toBe(true);
    // One character off, and the case of one letter: both are other passwords.
    expect(await verifyDjangoHashOnce(hash, password.slice(0, -1))).toBe(false);
    expect(await verifyDjangoHashOnce(hash, password[0]!.toUpperCase() + password.slice(1))).toBe(false);
    expect(needsRehash(encoded)).toBe(true);
  });

  it("Django's argon2 keeps its own parameters (100 MiB, t=2, p=8), read from the hash", () => {
    expect(parseDjangoHash(stored("argon2"))).toMatchObject({ format: "argon2", memoryKiB: 102_400, timeCost: 2, parallelism: 8 });
    expect(stored("argon2")).toMatch(/^argon2\$argon2id\$v=19\$m=102400,t=2,p=8\$/);
  });

  it("bcrypt_sha256 hashes the SHA-256 hex digest, so a password past bcrypt's 72 bytes is not truncated", async () => {
    // The hash of the digest is not a hash of the password itself: plain bcrypt would refuse it.
    const hash = parseDjangoHash(stored("bcryptsha256"))!;
    if (hash.format !== "bcrypt_sha256") throw new Error(hash.format);
    expect(await verifyDjangoHashOnce({ ...hash, format: "bcrypt" }, typed.bcryptsha256!.password)).toBe(false);
    expect(await verifyDjangoHashOnce(hash, typed.bcryptsha256!.password)).toBe(true);
  });
});

describe("typed and NFKC forms", () => {
  // "typed" was hashed by Django from "\ufb01ne cafe\u0301 typed" (a ligature and a
  // decomposed accent, as typed); "normalised" from its NFKC form "fine caf\u00e9 normalised".
  it("accepts the password exactly as typed, although Gatehouse's own form is NFKC", async () => {
    const password = typed.typed!.password;
    expect(password.normalize("NFKC")).not.toBe(password);
    expect(await verifyPasswordHash(stored("typed"), CurrentPasswordSchema.parse(password))).toBe(true);
    // The NFKC spelling is another string, and Django hashed the typed one: refused, as Django would.
    expect(await verifyPasswordHash(stored("typed"), password.normalize("NFKC"))).toBe(false);
  });

  it("accepts another spelling whose NFKC form is the one Django hashed", async () => {
    const decomposed = "\ufb01ne cafe\u0301 normalised";
    expect(decomposed.normalize("NFKC")).toBe(typed.normalised!.password);
    const hash = parseDjangoHash(stored("normalised"))!;
    expect(await verifyDjangoHashOnce(hash, decomposed)).toBe(false);
    expect(await verifyDjangoPassword(hash, decomposed)).toBe(true);
    expect(await verifyPasswordHash(stored("normalised"), CurrentPasswordSchema.parse(decomposed))).toBe(true);
  });

  it("Gatehouse's own hashes still compare in NFKC form, whichever spelling is typed", async () => {
    const own = await hashPassword("\ufb01ne caf\u00e9 own");
    expect(await verifyPasswordHash(own, "fine cafe\u0301 own")).toBe(true);
    expect(needsRehash(own)).toBe(false);
  });
});

describe("classifyDjangoPassword", () => {
  it("reads unusable and empty passwords as no password (social-only)", () => {
    expect(stored("unusable")).toMatch(/^!/);
    expect(classifyDjangoPassword(stored("unusable"))).toEqual({ kind: "none" });
    expect(classifyDjangoPassword("")).toEqual({ kind: "none" });
  });

  it("names any other format as unsupported, never as a hash", () => {
    expect(classifyDjangoPassword(stored("md5"))).toEqual({ kind: "unsupported", format: "md5" });
    for (const [encoded, format] of [
      ["sha1$salt$0123456789abcdef0123456789abcdef01234567", "sha1"],
      ["unsalted_md5$$5f4dcc3b5aa765d61d8327deb882cf99", "unsalted_md5"],
      ["scrypt$16384$salt$8$1$aGFzaA==", "scrypt"],
      ["crypt$$ab1234567890", "crypt"],
      ["plaintext", "unknown"],
      ["$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "unknown"],
    ] as const) {
      expect(classifyDjangoPassword(encoded), encoded).toEqual({ kind: "unsupported", format });
    }
  });

  it("refuses malformed hashes of the checked formats rather than guessing", () => {
    const good = stored("pbkdf2");
    const [algo, iterations, salt, digest] = good.split("$") as [string, string, string, string];
    for (const encoded of [
      `${algo}$${iterations}$${salt}`, // no digest
      `${algo}$0$${salt}$${digest}`, // no iterations
      `${algo}$abc$${salt}$${digest}`,
      `${algo}$${iterations}$$${digest}`, // no salt
      `${algo}$${iterations}$${salt}$${digest.slice(4)}`, // a digest of the wrong length
      `${algo}$${iterations}$${salt}$not*base64`,
      `${algo}$${DJANGO_HASH_LIMITS.pbkdf2Iterations + 1}$${salt}$${digest}`, // past the limit
      "argon2$argon2id$v=19$m=2097152,t=2,p=8$c2FsdA$aGFzaA", // 2 GiB
      "argon2$argon2id$v=19$m=102400,t=0,p=8$c2FsdA$aGFzaA",
      "bcrypt$$2b$12$tooShort",
      "bcrypt_sha256$2b$12$" + "a".repeat(53), // one dollar missing
      "bcrypt$$2b$31$" + "a".repeat(53), // a cost no login should pay
    ]) {
      expect(parseDjangoHash(encoded), encoded).toBeNull();
    }
    expect(parseDjangoHash(good)).not.toBeNull();
  });

  it("reads iteration counts other than Django's defaults", () => {
    const [algo, , salt, digest] = stored("pbkdf2").split("$");
    expect(parseDjangoHash(`${algo}$36000$${salt}$${digest}`)).toMatchObject({ iterations: 36_000 });
    expect(parseDjangoHash(`${algo}$1200000$${salt}$${digest}`)).toMatchObject({ iterations: 1_200_000 });
  });

  it("a stored string that is no Django hash fails the check without throwing", async () => {
    expect(await verifyPasswordHash("pbkdf2_sha256$broken", "whatever")).toBe(false);
    expect(await verifyPasswordHash("argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA", "whatever")).toBe(false);
  });
});

describe("their cost in the hashing line", () => {
  const unit = PASSWORD_HASH_OPTIONS;

  it("counts Django's argon2 by its memory and PBKDF2 and bcrypt by their time", () => {
    expect(djangoHashCost(parseDjangoHash(stored("argon2"))!, unit)).toEqual({ slots: 6, work: 6 });
    expect(djangoHashCost(parseDjangoHash(stored("pbkdf2million"))!, unit)).toEqual({ slots: 1, work: 20 });
    expect(djangoHashCost(parseDjangoHash(stored("pbkdf2"))!, unit)).toEqual({ slots: 1, work: 6 });
    expect(djangoHashCost(parseDjangoHash(stored("bcrypt"))!, unit)).toEqual({ slots: 1, work: 16 });
  });

  it("a Django argon2 check takes the whole line: nothing runs beside its 100 MiB", async () => {
    setEnv({ PASSWORD_HASH_CONCURRENCY: "2", PASSWORD_HASH_MAX_WAIT_MS: "60000" });
    const queue = hashingQueue();
    const check = verifyPasswordHash(stored("argon2"), typed.argon2!.password);
    expect(queue.inFlight).toBe(2);
    const own = hashPassword("waits for the django hash");
    expect(queue.queued).toBe(1);
    expect(await check).toBe(true);
    await own;
    expect(queue.inFlight).toBe(0);
  });

  it("a line of million-round checks is refused at once past the queue's work, not left to time out", async () => {
    setEnv({ PASSWORD_HASH_CONCURRENCY: "1", PASSWORD_HASH_QUEUE: "64", PASSWORD_HASH_MAX_WAIT_MS: "60000" });
    const queue = hashingQueue();
    const wrong = () => verifyPasswordHash(stored("pbkdf2million"), "not the password");
    const running = wrong();
    // 20 units each: three fit in a queue of 64, the fourth is refused at once.
    const waiting = [wrong(), wrong(), wrong()];
    expect(queue.queuedWork).toBe(60);
    await expect(wrong()).rejects.toMatchObject({ name: "ServerBusyError", bound: "queue" });
    expect(await Promise.all([running, ...waiting])).toEqual([false, false, false, false]);
  });
});
