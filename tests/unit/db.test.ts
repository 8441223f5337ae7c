import { existsSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { closeDb, createDb, dataDirectory, databaseAnswers, databasePath, getDb } from "@/db/client";
import { users } from "@/db/schema";
import { startSession } from "@/lib/auth/session";
import { resetSingletons } from "@/lib/singleton";
import { createUser, rawRows } from "./helpers";

// docs/security.md, Data: SQLite in WAL mode with foreign keys and a busy timeout, created and
// migrated on first use, never at import time.

describe("createDb / getDb", () => {
  it("creates the file and its directory on first use, migrated", () => {
    const file = databasePath(process.env.DATABASE_URL!);
    expect(existsSync(file)).toBe(false);
    const db = getDb();
    expect(existsSync(file)).toBe(true);
    const tables = db.$client
      .prepare("select name from sqlite_master where type = 'table'")
      .all()
      .map((row) => (row as { name: string }).name);
    for (const table of ["users", "sessions", "refresh_tokens", "email_verification_tokens", "emails", "rate_limits", "social_accounts"]) {
      expect(tables).toContain(table);
    }
  });

  it("runs in WAL mode with foreign keys on and a busy timeout", () => {
    const sqlite = getDb().$client;
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(sqlite.pragma("busy_timeout", { simple: true })).toBeGreaterThanOrEqual(1000);
  });

  it("can be opened again without re-running migrations or losing data", async () => {
    const user = await createUser();
    closeDb();
    const again = createDb(process.env.DATABASE_URL!);
    expect(again.select().from(users).where(eq(users.id, user.id)).get()?.email).toBe(user.email);
    again.$client.close();
  });

  it("reopens after closeDb", async () => {
    await createUser();
    closeDb();
    expect(getDb().select().from(users).all()).toHaveLength(1);
  });

  it("deletes a user's sessions and refresh tokens with the user", async () => {
    const user = await createUser({ password: null });
    await startSession({ userId: user.id, userAgent: null, ip: null });
    getDb().delete(users).where(eq(users.id, user.id)).run();
    expect(rawRows("sessions")).toHaveLength(0);
    expect(rawRows("refresh_tokens")).toHaveLength(0);
  });

  it("refuses rows that point at nothing", () => {
    expect(() => getDb().$client.prepare("insert into sessions (id, user_id, expires_at) values ('s', 999, 0)").run()).toThrow(/FOREIGN KEY/);
  });
});

describe("paths", () => {
  it("reads file: URLs and bare paths", () => {
    expect(databasePath("file:./data/gatehouse.db")).toBe(path.resolve("data/gatehouse.db"));
    expect(databasePath("/var/lib/gatehouse/db.sqlite")).toBe("/var/lib/gatehouse/db.sqlite");
    expect(dataDirectory("file:/var/lib/gatehouse/db.sqlite")).toBe("/var/lib/gatehouse");
  });
});

describe("databaseAnswers", () => {
  it("is true when the database answers, false when it cannot be opened", () => {
    expect(databaseAnswers()).toBe(true);
    closeDb();
    process.env.DATABASE_URL = "file:/dev/null/cannot/exist.db";
    resetSingletons("env", "db");
    expect(databaseAnswers()).toBe(false);
  });
});
