import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCli, register, signIn } from "../support/accounts";
import { startApp, type RunningApp } from "../support/app";

// `npm run admin` (docs/api.md, administration): the role set from the server's shell, a
// process of its own with DATABASE_URL alone, on the database the built server is serving
// (SQLite, or PostgreSQL in the PostgreSQL run), which reads the role afresh on every
// request. One server for the file. What administrators do through the API runs
// in-process: tests/handlers/admin-api.test.ts.

let app: RunningApp;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.stop();
});

describe("npm run admin", () => {
  // Three runs of the real command (each a tsx start, a few seconds on a busy machine).
  it("grants and revokes the role from the shell; revoking the last administrator exits non-zero and changes nothing", async () => {
    const admin = await register(app, "chief");
    await app.db().run("update users set role = 'admin' where id = ?", admin.id);
    const first = await register(app, "shell_first");
    const firstSession = await signIn(app, first.email);
    // `chief` is the only administrator so far: the shell cannot take it away.
    const last = await adminCli(app.databaseUrl, ["revoke", admin.email]);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/last administrator/);
    expect((await app.db().get<{ role: string }>("select role from users where id = ?", admin.id))!.role).toBe("admin");
    expect(await app.db().get<{ n: number }>("select count(*) as n from admin_audit")).toEqual({ n: 0 });

    const granted = await adminCli(app.databaseUrl, ["grant", first.email.toUpperCase()]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toContain(`${first.email} is an administrator`);
    expect((await app.db().get<{ role: string }>("select role from users where id = ?", first.id))!.role).toBe("admin");
    // The serving server sees it on the session's next request.
    expect((await firstSession.call("GET", "/api/auth/me/")).body).toMatchObject({ is_admin: true });
    const revoked = await adminCli(app.databaseUrl, ["revoke", first.email]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await firstSession.call("GET", "/api/auth/me/")).body).not.toHaveProperty("is_admin");
    const entries = await app.db().all<{ action: string; admin_id: number | null; target_email: string }>("select action, admin_id, target_email from admin_audit order by id");
    expect(entries).toEqual([
      { action: "role_granted", admin_id: null, target_email: first.email },
      { action: "role_revoked", admin_id: null, target_email: first.email },
    ]);
  });
});
