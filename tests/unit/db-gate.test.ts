import { setImmediate as nextTurn } from "node:timers/promises";
import { count, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createRateLimiter, databaseAnswers, getDb, isUniqueViolation, writeTransaction } from "@/lib/db";
import { sessions, users } from "@/db/schema";
import { newUserRow } from "@/lib/auth/user";
import { rawRows } from "./helpers";

// docs/decisions/003: async transactions on the one better-sqlite3 connection. While a
// transaction is open across awaits, other requests' code runs; none of their statements
// may join it, see into it, or start a second BEGIN on the connection.

const row = (name: string) => newUserRow({ username: name, email: `${name}@example.com`, passwordHash: null });
const usernames = () => rawRows("users").map((r) => r.username);

/** A writeTransaction that has written, then waits (across turns of the event loop) until told to end. */
function openTransaction(end: "commit" | "rollback") {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const done = writeTransaction(async (tx) => {
    await tx.insert(users).values(row("inside"));
    opened();
    await finished;
    await tx.insert(users).values(row("inside_later"));
    if (end === "rollback") throw new Error("rolled back on purpose");
  });
  return { open, finish, done };
}

/** Whether `promise` has settled after the event loop has turned a few times. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await nextTurn();
  return settled;
}

describe("writeTransaction on SQLite", () => {
  it("keeps another request's write out of an open transaction: it waits, and survives the rollback", async () => {
    const tx = openTransaction("rollback");
    await tx.open;
    // execute(): a drizzle query runs each time it is awaited; these must run once.
    const otherWrite = getDb().insert(users).values(row("outside")).execute();
    const otherRead = getDb().select({ username: users.username }).from(users).execute();
    // Neither ran while the transaction was open: the write is not in the file yet, and
    // the read has not answered (it would have seen "inside", which never commits).
    expect(await settledSoon(otherWrite)).toBe(false);
    expect(await settledSoon(otherRead)).toBe(false);
    expect(usernames()).toEqual([]);

    tx.finish();
    await expect(tx.done).rejects.toThrow("rolled back on purpose");
    await otherWrite;
    expect(await otherRead).toEqual([{ username: "outside" }]);
    expect(usernames()).toEqual(["outside"]);
  });

  it("shows a committed transaction's rows to others only once it has committed", async () => {
    const tx = openTransaction("commit");
    await tx.open;
    const otherRead = getDb().select({ username: users.username }).from(users).orderBy(users.id).execute();
    expect(await settledSoon(otherRead)).toBe(false);
    tx.finish();
    await tx.done;
    expect(await otherRead).toEqual([{ username: "inside" }, { username: "inside_later" }]);
  });

  it("runs parallel transactions one after another, each seeing the one before", async () => {
    // Each reads the count, yields, then writes a name derived from it: run inside one
    // another they would fail with "cannot start a transaction within a transaction", or
    // read the same count and collide on the unique username.
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        writeTransaction(async (tx) => {
          const [{ n } = { n: -1 }] = await tx.select({ n: count() }).from(users);
          await nextTurn();
          await tx.insert(users).values(row(`user${n}`));
          return n;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(usernames()).toEqual(Array.from({ length: 8 }, (_, i) => `user${i}`));
  });

  it("keeps the rate limiter's counts out of an open transaction", async () => {
    const limiter = createRateLimiter({ keyPrefix: "gate-test", points: 5, duration: 60 });
    const tx = openTransaction("rollback");
    await tx.open;
    const consumed = limiter.consume("203.0.113.9");
    expect(await settledSoon(consumed)).toBe(false);
    tx.finish();
    await expect(tx.done).rejects.toThrow();
    expect((await consumed).consumedPoints).toBe(1);
    // Written after the rollback, so it is still there.
    expect(rawRows("rate_limits")).toEqual([expect.objectContaining({ key: "gate-test:203.0.113.9", points: 1 })]);
  });

  it("makes the health check wait behind an open transaction, so one that never ends fails the probe", async () => {
    expect(await databaseAnswers()).toBe(true);
    const tx = openTransaction("commit");
    await tx.open;
    const answered = databaseAnswers();
    expect(await settledSoon(answered)).toBe(false);
    tx.finish();
    await tx.done;
    expect(await answered).toBe(true);
  });

  it("lets the transaction's own code use getDb() inside it instead of waiting for itself", async () => {
    await writeTransaction(async (tx) => {
      await tx.insert(users).values(row("mine"));
      const [seen] = await getDb().select({ username: users.username }).from(users);
      expect(seen?.username).toBe("mine");
    });
  });

  it("refuses a writeTransaction nested in another rather than wait for itself forever", async () => {
    await expect(writeTransaction(async () => writeTransaction(async () => 1))).rejects.toThrow(/inside writeTransaction/);
    // The gate is free again.
    expect(await writeTransaction(async () => 2)).toBe(2);
  });
});

describe("isUniqueViolation", () => {
  it("is true for a unique index's refusal, false for other constraint errors", async () => {
    await getDb().insert(users).values(row("taken"));
    const duplicate = await getDb().insert(users).values(row("taken")).catch((error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const dangling = await getDb()
      .insert(sessions)
      .values({ id: "s", userId: 999, expiresAt: new Date(0) })
      .catch((error: unknown) => error);
    expect(dangling).toBeInstanceOf(Error);
    expect(isUniqueViolation(dangling)).toBe(false);
    expect(isUniqueViolation(new Error("UNIQUE constraint failed"))).toBe(false);
    expect((await getDb().select().from(users).where(eq(users.username, "taken"))).length).toBe(1);
  });
});
