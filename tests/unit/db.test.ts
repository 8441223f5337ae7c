import { existsSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createStore, dataDirectory, databasePath } from "@/db/client";
import { closeDb, databaseAnswers, getDb } from "@/lib/db";
import { sessions, users } from "@/db/schema";
import { openSqliteStore } from "@/db/sqlite";
import { resetSingletons } from "@/lib/singleton";
import { useEnv } from "../support/unit-setup";
import { createUser, rawRows, withRawConnection, newSession } from "./helpers";

// docs/security.md, Data: SQLite in WAL mode with foreign keys and a busy timeout, created and
// migrated on first use, never at import time.

describe("createDb / getDb", () => {
  it("creates the file and its directory on first use, migrated", async () => {
    // Not the test's own file, which starts as a copy of the migrated template.
    const file = path.join(path.dirname(databasePath(process.env.DATABASE_URL!)), "fresh", "gatehouse.db");
    await useEnv({ DATABASE_URL: `file:${file}` });
    expect(existsSync(file)).toBe(false);
    getDb();
    expect(existsSync(file)).toBe(true);
    const tables = withRawConnection((db) =>
      db
        .prepare("select name from sqlite_master where type = 'table'")
        .all()
        .map((row) => (row as { name: string }).name),
    );
    for (const table of ["users", "sessions", "refresh_tokens", "email_verification_tokens", "emails", "rate_limits", "social_accounts"]) {
      expect(tables).toContain(table);
    }
  });

  it("runs in WAL mode with foreign keys on and a busy timeout", async () => {
    // The connection the app's store opens, as it opens it.
    const store = openSqliteStore(process.env.DATABASE_URL!);
    try {
      expect(store.client.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(store.client.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(store.client.pragma("busy_timeout", { simple: true })).toBeGreaterThanOrEqual(1000);
    } finally {
      store.close();
    }
  });

  it("can be opened again without re-running migrations or losing data", async () => {
    const user = await createUser();
    closeDb();
    const again = createStore(process.env.DATABASE_URL!, { poolSize: 1 });
    expect((await again.db.select().from(users).where(eq(users.id, user.id)))[0]?.email).toBe(user.email);
    again.close();
  });

  it("reopens after closeDb", async () => {
    await createUser();
    closeDb();
    expect((await getDb().select().from(users))).toHaveLength(1);
  });

  it("deletes a user's sessions and refresh tokens with the user", async () => {
    const user = await createUser({ password: null });
    await newSession({ userId: user.id, userAgent: null, ip: null });
    await getDb().delete(users).where(eq(users.id, user.id));
    expect(rawRows("sessions")).toHaveLength(0);
    expect(rawRows("refresh_tokens")).toHaveLength(0);
  });

  it("refuses rows that point at nothing", async () => {
    await expect(getDb().insert(sessions).values({ id: "s", userId: 999, expiresAt: new Date(0) })).rejects.toMatchObject({
      cause: { code: "SQLITE_CONSTRAINT_FOREIGNKEY" },
    });
  });
});

describe("paths", () => {
  it("reads file: URLs and bare paths", async () => {
    expect(databasePath("file:./data/gatehouse.db")).toBe(path.resolve("data/gatehouse.db"));
    expect(databasePath("/var/lib/gatehouse/db.sqlite")).toBe("/var/lib/gatehouse/db.sqlite");
    expect(dataDirectory("file:/var/lib/gatehouse/db.sqlite")).toBe("/var/lib/gatehouse");
  });
});

describe("databaseAnswers", () => {
  it("is true when the database answers, false when it cannot be opened", async () => {
    expect(await databaseAnswers()).toBe(true);
    closeDb();
    process.env.DATABASE_URL = "file:/dev/null/cannot/exist.db";
    resetSingletons("env", "db");
    expect(await databaseAnswers()).toBe(false);
  });
});
