import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "@/db/postgres";
import { rateLimits, socialAccounts, users } from "@/db/schema";
import type { Store } from "@/db/store";
import { dropTestDatabase, TEST_POSTGRES_URL, testDatabaseUrl } from "../support/test-database";

// The PostgreSQL store itself (db/postgres.ts), on a database of its own: what lib/ relies
// on from any store (docs/decisions/003). PostgreSQL only, like two-instances.test.ts.

const TITLE = TEST_POSTGRES_URL ? "the PostgreSQL store" : "the PostgreSQL store (skipped: PostgreSQL only; npm run test:integration:pg runs it)";

// Said once per run, where a skipped suite would otherwise pass unnoticed.
if (!TEST_POSTGRES_URL) console.warn(`${TITLE.replace(/ \(skipped.*/, "")}: skipped, PostgreSQL only (npm run test:integration:pg runs it)`);

describe.skipIf(!TEST_POSTGRES_URL)(TITLE, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-store-"));
  let store: Store;
  let other: Store;

  beforeAll(async () => {
    const url = await testDatabaseUrl(dataDir);
    // Two pools on one database, as two instances have: both migrate, one at a time.
    store = openPostgresStore(url, { poolSize: 4 });
    other = openPostgresStore(url, { poolSize: 4 });
    await Promise.all([store.ready(), other.ready()]);
  });

  afterAll(async () => {
    await store?.close();
    await other?.close();
    await dropTestDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("gives back booleans, timestamps and JSON as the SQLite store does", async () => {
    const createdAt = new Date(1_764_000_000_123);
    const [user] = await store.db
      .insert(users)
      .values({ username: "Round", email: "round@example.com", usernameKey: "round", emailKey: "round@example.com", emailVerified: true, createdAt })
      .returning();
    expect(user).toMatchObject({ emailVerified: true, createdAt, passwordHash: null });
    expect(user!.updatedAt).toBeInstanceOf(Date);
    expect(Math.abs(user!.updatedAt.getTime() - Date.now())).toBeLessThan(60_000);
    const profile = { login: "round", nested: { ids: [1, 2] }, ünïcode: "✓" };
    await store.db.insert(socialAccounts).values({ userId: user!.id, provider: "github", providerUserId: "1", profile });
    const [link] = await other.db.select().from(socialAccounts).where(eq(socialAccounts.userId, user!.id));
    expect(link!.profile).toEqual(profile);
    const [unverified] = await other.db.select({ v: users.emailVerified }).from(users).where(eq(users.emailVerified, false));
    expect(unverified).toBeUndefined();
  });

  it("recognises a unique violation, and only that", async () => {
    const row = { username: "Twice", email: "twice@example.com", usernameKey: "twice", emailKey: "twice@example.com" };
    await store.db.insert(users).values(row);
    const duplicate = await other.db.insert(users).values(row).then(() => null, (e: unknown) => e);
    expect(store.isUniqueViolation(duplicate)).toBe(true);
    const notNull = await store.db.insert(users).values({ ...row, usernameKey: "twice2", emailKey: null as never }).then(() => null, (e: unknown) => e);
    expect(notNull).not.toBeNull();
    expect(store.isUniqueViolation(notNull)).toBe(false);
  });

  it("makes read-then-writes about one key take turns across pools (Store.lock): no lost update", async () => {
    await store.db.insert(rateLimits).values({ key: "counter", points: 0 });
    const increment = (s: Store) =>
      s.writeTransaction(async (tx) => {
        await s.lock(tx, ["counter"]);
        const [row] = await tx.select({ points: rateLimits.points }).from(rateLimits).where(eq(rateLimits.key, "counter"));
        // Another transaction gets every chance to read the same value in between.
        await new Promise((r) => setTimeout(r, 5));
        await tx.update(rateLimits).set({ points: row!.points + 1 }).where(eq(rateLimits.key, "counter"));
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 ? store : other)));
    const [row] = await store.db.select({ points: rateLimits.points }).from(rateLimits).where(eq(rateLimits.key, "counter"));
    expect(row!.points).toBe(20);
  });

  it("runs write transactions about different keys side by side (no global lock, decision 026)", async () => {
    // Each holds its own key and waits, inside its transaction, for the other to be inside
    // its own: one global lock would keep the second out until the first gave up.
    let arrived = 0;
    const bothInside = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the second transaction never started while the first was open")), 10_000);
      const check = setInterval(() => {
        if (arrived === 2) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 5);
    });
    const inside = (s: Store, key: string) =>
      s.writeTransaction(async (tx) => {
        await s.lock(tx, [key]);
        arrived += 1;
        await bothInside;
      });
    await Promise.all([inside(store, "side-a"), inside(other, "side-b")]);
    expect(arrived).toBe(2);
  });

  it("runs a transaction again after a deadlock, and says so", async () => {
    const retries: string[] = [];
    const url = await testDatabaseUrl(dataDir);
    const watched = openPostgresStore(url, { poolSize: 4, onTransactionRetry: ({ code }) => retries.push(code) });
    try {
      await watched.ready();
      // Two transactions that take two keys in opposite orders, each waiting for the other
      // to hold its first: the server breaks the deadlock by failing one, which runs again.
      let holding = 0;
      const bothHold = () =>
        new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (holding >= 2) {
              clearInterval(check);
              resolve();
            }
          }, 5);
        });
      const crossing = (first: string, second: string) =>
        watched.writeTransaction(async (tx) => {
          await watched.lock(tx, [first]);
          holding += 1;
          await bothHold();
          await watched.lock(tx, [second]);
        });
      await Promise.all([crossing("cross-a", "cross-b"), crossing("cross-b", "cross-a")]);
      expect(retries).toEqual(["40P01"]);
    } finally {
      await watched.close();
    }
  });

  it("rolls back a transaction that throws", async () => {
    const failed = store.writeTransaction(async (tx) => {
      await tx.insert(users).values({ username: "Ghost", email: "ghost@example.com", usernameKey: "ghost", emailKey: "ghost@example.com" });
      throw new Error("changed my mind");
    });
    await expect(failed).rejects.toThrow("changed my mind");
    expect(await store.db.select().from(users).where(eq(users.usernameKey, "ghost"))).toEqual([]);
  });
});
