import { hash as argon2Hash } from "@node-rs/argon2";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { users } from "@/db/schema";
import { loginWithPassword } from "@/lib/auth/login";
import {
  ClientGoneError,
  Semaphore,
  ServerBusyError,
  dummyPasswordHash,
  hashPassword,
  hashingQueue,
  needsRehash,
  verifyPasswordHash,
} from "@/lib/auth/password";
import { passwordProblems } from "@/lib/auth/password-policy";
import { CurrentPasswordSchema, LoginSchema, NewPasswordSchema } from "@/lib/validation";
import { createUser, getUserRow, setEnv } from "./helpers";

// docs/security.md, Passwords: argon2id m=19456 t=2 p=1, rehash of weaker hashes at login,
// never truncated, NFKC, common/own-name passwords refused, bounded hashing off the loop.

const client = { userAgent: "vitest", ip: "127.0.0.1" };

/** The parameters of a PHC string, read without the library under test. */
function phc(encoded: string) {
  const match = encoded.match(/^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/);
  if (!match) throw new Error(`not a PHC argon2 string: ${encoded}`);
  const [, algorithm, version, m, t, p, salt, digest] = match;
  return { algorithm, version: Number(version), m: Number(m), t: Number(t), p: Number(p), salt: salt!, digest: digest! };
}

const ARGON2I = 1 as const;
const ARGON2ID = 2 as const;

describe("hashPassword", () => {
  it("uses argon2id with memoryCost 19456 KiB, timeCost 2, parallelism 1", async () => {
    const params = phc(await hashPassword("correct horse battery staple"));
    expect(params).toMatchObject({ algorithm: "argon2id", version: 19, m: 19_456, t: 2, p: 1 });
    // 16 bytes of salt, 32 bytes of output (unpadded base64).
    expect(Buffer.from(params.salt, "base64")).toHaveLength(16);
    expect(Buffer.from(params.digest, "base64")).toHaveLength(32);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a).not.toBe(b);
    expect(phc(a).salt).not.toBe(phc(b).salt);
  });

  it("never contains the password", async () => {
    const encoded = await hashPassword("visible-password");
    expect(encoded).not.toContain("visible-password");
  });

  it("runs off the event loop", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await hashPassword("correct horse battery staple");
    clearInterval(timer);
    // A synchronous hash would hold the loop for its whole duration: no timer could fire.
    expect(ticks).toBeGreaterThan(0);
  });
});

describe("verifyPasswordHash", () => {
  it("accepts the password and refuses any other", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPasswordHash(stored, "correct horse battery staple")).toBe(true);
    expect(await verifyPasswordHash(stored, "correct horse battery stapl")).toBe(false);
    expect(await verifyPasswordHash(stored, "Correct horse battery staple")).toBe(false);
    expect(await verifyPasswordHash(stored, "")).toBe(false);
  });

  it("never truncates: a 128-character password differs from one that shares 127 of them", async () => {
    const password = "p".repeat(127) + "1";
    const stored = await hashPassword(NewPasswordSchema.parse(password));
    expect(await verifyPasswordHash(stored, password)).toBe(true);
    expect(await verifyPasswordHash(stored, "p".repeat(127) + "2")).toBe(false);
    expect(await verifyPasswordHash(stored, "p".repeat(127))).toBe(false);
    // bcrypt would stop at 72 bytes; a long multi-byte password must count in full.
    const emoji = "😀".repeat(100);
    const storedEmoji = await hashPassword(NewPasswordSchema.parse(emoji));
    expect(await verifyPasswordHash(storedEmoji, "😀".repeat(99) + "😁")).toBe(false);
  });

  it("matches equivalent Unicode spellings through the NFKC schemas", async () => {
    const stored = await hashPassword(NewPasswordSchema.parse("\uFB01ne caf\u00e9 password"));
    expect(await verifyPasswordHash(stored, CurrentPasswordSchema.parse("fine cafe\u0301 password"))).toBe(true);
  });

  it("treats a malformed stored hash as a failed verification, not a crash", async () => {
    expect(await verifyPasswordHash("not a hash", "whatever")).toBe(false);
    expect(await verifyPasswordHash("", "whatever")).toBe(false);
    expect(await verifyPasswordHash("$argon2id$v=19$m=19456,t=2,p=1$broken", "whatever")).toBe(false);
  });
});

describe("needsRehash", () => {
  it("is false for today's parameters", async () => {
    expect(needsRehash(await hashPassword("correct horse battery staple"))).toBe(false);
  });

  it("is true for weaker parameters or another variant", async () => {
    const weaker = [
      { algorithm: ARGON2ID, memoryCost: 4096, timeCost: 2, parallelism: 1 },
      { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 1, parallelism: 1 },
      { algorithm: ARGON2I, memoryCost: 19_456, timeCost: 2, parallelism: 1 },
      { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 2 },
    ];
    for (const options of weaker) {
      expect(needsRehash(await argon2Hash("pw", options)), JSON.stringify(options)).toBe(true);
    }
  });

  it("is false for stronger parameters (no downgrade)", async () => {
    expect(needsRehash(await argon2Hash("pw", { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 3, parallelism: 1 }))).toBe(false);
  });

  it("is true for something that is not an argon2 hash", async () => {
    expect(needsRehash("$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234")).toBe(true);
    expect(needsRehash("garbage")).toBe(true);
  });
});

describe("rehash at login", () => {
  it("replaces a weaker hash with today's parameters after a successful login", async () => {
    const password = "correct horse battery staple";
    const user = await createUser({ password });
    const weak = await argon2Hash(password, { algorithm: ARGON2ID, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await getDb().update(users).set({ passwordHash: weak }).where(eq(users.id, user.id));

    // A wrong password changes nothing.
    const failed = await loginWithPassword(LoginSchema.parse({ email: user.email, password: "wrong password" }), client);
    expect(failed.ok).toBe(false);
    expect((await getUserRow(user.id)).passwordHash).toBe(weak);

    const result = await loginWithPassword(LoginSchema.parse({ email: user.email, password }), client);
    expect(result.ok).toBe(true);
    const upgraded = (await getUserRow(user.id)).passwordHash!;
    expect(upgraded).not.toBe(weak);
    expect(phc(upgraded)).toMatchObject({ algorithm: "argon2id", m: 19_456, t: 2, p: 1 });
    expect(await verifyPasswordHash(upgraded, password)).toBe(true);

    // And the next login leaves the strong hash alone.
    await loginWithPassword(LoginSchema.parse({ email: user.email, password }), client);
    expect((await getUserRow(user.id)).passwordHash).toBe(upgraded);
  });
});

describe("dummyPasswordHash", () => {
  it("is a real hash with today's parameters, made once, that no password matches", async () => {
    const dummy = await dummyPasswordHash();
    expect(phc(dummy)).toMatchObject({ algorithm: "argon2id", m: 19_456, t: 2, p: 1 });
    expect(await dummyPasswordHash()).toBe(dummy);
    expect(await verifyPasswordHash(dummy, "")).toBe(false);
    expect(await verifyPasswordHash(dummy, "correct horse battery staple")).toBe(false);
  });
});

describe("Semaphore", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("never runs more than its limit at once, and runs every task", async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        semaphore.run(async () => {
          running++;
          peak = Math.max(peak, running);
          expect(semaphore.inFlight).toBeLessThanOrEqual(3);
          await sleep(i % 4);
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(semaphore.inFlight).toBe(0);
    expect(semaphore.queued).toBe(0);
  });

  it("starts waiting tasks in arrival order", async () => {
    const semaphore = new Semaphore(1);
    const started: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        semaphore.run(async () => {
          started.push(i);
          await sleep(1);
        }),
      ),
    );
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("frees the slot of a task that fails", async () => {
    const semaphore = new Semaphore(1);
    const failing = semaphore.run(async () => {
      await sleep(1);
      throw new Error("boom");
    });
    const next = semaphore.run(async () => "ran");
    await expect(failing).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ran");
    expect(semaphore.inFlight).toBe(0);
  });

  /** A task that runs until `release()`; the semaphore's slot is held meanwhile. */
  function holding() {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    return { task: () => done, release };
  }

  it("refuses at once when the line is full, with a Retry-After from the longest wait", async () => {
    const semaphore = new Semaphore(1, { maxQueue: 2, maxWaitMs: 1500 });
    const holder = holding();
    const running = semaphore.run(holder.task);
    const waiting = [semaphore.run(async () => "a"), semaphore.run(async () => "b")];
    const refused = semaphore.run(async () => "never");
    await expect(refused).rejects.toBeInstanceOf(ServerBusyError);
    await expect(refused).rejects.toMatchObject({ retryAfter: 2 });
    expect(semaphore.queued).toBe(2);
    holder.release();
    await running;
    await expect(Promise.all(waiting)).resolves.toEqual(["a", "b"]);
  });

  it("gives up on a wait longer than maxWaitMs, without running the task, and keeps the slot count right", async () => {
    const semaphore = new Semaphore(1, { maxQueue: 10, maxWaitMs: 30 });
    const holder = holding();
    const running = semaphore.run(holder.task);
    let ran = false;
    await expect(semaphore.run(async () => (ran = true))).rejects.toBeInstanceOf(ServerBusyError);
    expect(ran).toBe(false);
    expect(semaphore.queued).toBe(0);
    holder.release();
    await running;
    expect(semaphore.inFlight).toBe(0);
    await expect(semaphore.run(async () => "free again")).resolves.toBe("free again");
  });

  it("takes a waiter whose client left out of the line without running it", async () => {
    const semaphore = new Semaphore(1, { maxQueue: 10, maxWaitMs: 10_000 });
    const holder = holding();
    const running = semaphore.run(holder.task);
    const client = new AbortController();
    let ran = false;
    const abandoned = semaphore.run(async () => (ran = true), client.signal);
    const next = semaphore.run(async () => "next");
    expect(semaphore.queued).toBe(2);
    client.abort();
    await expect(abandoned).rejects.toBeInstanceOf(ClientGoneError);
    expect(semaphore.queued).toBe(1);
    holder.release();
    await running;
    await expect(next).resolves.toBe("next");
    expect(ran).toBe(false);
    // Already gone before it asked: refused without waiting.
    await expect(semaphore.run(async () => "no", client.signal)).rejects.toBeInstanceOf(ClientGoneError);
  });

  it("counts a heavy task's slots: it waits for room, takes the whole line at most, and nothing overtakes it", async () => {
    const semaphore = new Semaphore(3);
    const light = holding();
    const first = semaphore.run(light.task);
    const order: string[] = [];
    // Six slots in a line of three: clamped to three, so it waits for the light one alone.
    const heavy = semaphore.run(async () => {
      order.push("heavy");
      expect(semaphore.inFlight).toBe(3);
    }, undefined, { slots: 6, work: 1 });
    // There is room for a light task now, but the heavy one came first.
    const later = semaphore.run(async () => void order.push("later"));
    expect(semaphore.inFlight).toBe(1);
    expect(semaphore.queued).toBe(2);
    light.release();
    await Promise.all([first, heavy, later]);
    expect(order).toEqual(["heavy", "later"]);
    expect(semaphore.inFlight).toBe(0);
  });

  it("bounds the waiting line by units of work, and a heavy waiter that gives up lets lighter ones start", async () => {
    const semaphore = new Semaphore(2, { maxQueue: 10, maxWaitMs: 10_000 });
    const holder = holding();
    const running = semaphore.run(holder.task);
    const client = new AbortController();
    const heavy = semaphore.run(async () => "heavy", client.signal, { slots: 2, work: 8 });
    const light = semaphore.run(async () => "light", undefined, { slots: 1, work: 2 });
    expect(semaphore.queuedWork).toBe(10);
    await expect(semaphore.run(async () => "no room", undefined, { slots: 1, work: 1 })).rejects.toMatchObject({ bound: "queue" });
    client.abort();
    await expect(heavy).rejects.toBeInstanceOf(ClientGoneError);
    // The light one fits beside the holder once the heavy one has left the head of the line.
    await expect(light).resolves.toBe("light");
    expect(semaphore.queuedWork).toBe(0);
    holder.release();
    await running;
    expect(semaphore.inFlight).toBe(0);
  });

  it("bounds the app's hashes in flight by PASSWORD_HASH_CONCURRENCY", async () => {
    // The wait bound out of the way: on a busy machine six hashes two at a time can take
    // longer than its default second, and this is about the bound on hashes in flight.
    setEnv({ PASSWORD_HASH_CONCURRENCY: "2", PASSWORD_HASH_MAX_WAIT_MS: "60000" });
    const queue = hashingQueue();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, queue.inFlight)), 1);
    const hashes = Array.from({ length: 6 }, (_, i) => hashPassword(`password number ${i}`));
    expect(queue.inFlight).toBe(2);
    expect(queue.queued).toBe(4);
    const results = await Promise.all(hashes);
    clearInterval(sampler);
    expect(new Set(results).size).toBe(6);
    expect(peak).toBeLessThanOrEqual(2);
    expect(queue.inFlight).toBe(0);
    expect(queue.queued).toBe(0);
  });
});

describe("passwordProblems", () => {
  it("refuses common passwords, whatever their case", async () => {
    for (const password of ["password", "Password1", "iloveyou", "QWERTYUIOP", "letmein123"]) {
      expect(passwordProblems({ password })).toEqual(["This password is too common."]);
    }
  });

  it("refuses the username and the email, whatever their case", async () => {
    expect(passwordProblems({ password: "Kestrel.Owner", username: "kestrel.owner", email: "k@example.com" })).toEqual([
      "This password is the same as your username.",
    ]);
    expect(passwordProblems({ password: "Kestrel@Example.com", username: "kestrel", email: "kestrel@example.com" })).toEqual([
      "This password is the same as your email address.",
    ]);
  });

  it("accepts an uncommon password", async () => {
    expect(passwordProblems({ password: "correct horse battery staple", username: "kestrel", email: "kestrel@example.com" })).toEqual([]);
  });
});
