import { readFileSync } from "node:fs";
import path from "node:path";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { loginWithPassword } from "@/lib/auth/login";
import { changePassword } from "@/lib/auth/password-reset";
import { verifyPasswordHash } from "@/lib/auth/password";
import { startSession } from "@/lib/auth/session";
import { completeSignIn } from "@/lib/auth/sign-in";
import { parseDump } from "@/lib/django/dump";
import { importDjangoDump } from "@/lib/django/import";
import { LoginSchema } from "@/lib/validation";
import { getUserRow, rawRows, withRawConnection } from "./helpers";

// Logging in as a user moved in from Django (docs/api.md, "Moving in the users of a Django
// system"): the Django hash is checked, and replaced by argon2id in the session's own
// transaction (lib/auth/session.ts startSession), so a failure leaves one or the other.

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/django");
const passwords: Record<string, { password: string; id: number }> = JSON.parse(readFileSync(path.join(FIXTURES, "passwords.json"), "utf8")).seed;
const importSeed = () => importDjangoDump(parseDump(readFileSync(path.join(FIXTURES, "seed.json"), "utf8")), { dryRun: false });
const client = { userAgent: "vitest", ip: "198.51.100.9" };
const login = (email: string, password: string) => loginWithPassword(LoginSchema.parse({ email, password }), client);

describe("login of an imported user", () => {
  it("checks the Django hash, keeps the Django id as sub, and re-hashes to argon2id with the session", async () => {
    await importSeed();
    const { password, id } = passwords.pbkdf2million!;
    const before = (await getUserRow(id)).passwordHash!;
    expect(before).toMatch(/^pbkdf2_sha256\$1000000\$/);

    const result = await login("million@example.com", password);
    if (!result.ok || result.kind !== "session") throw new Error(`no session: ${JSON.stringify(result)}`);
    expect(result.user.id).toBe(2);
    expect(decodeJwt(result.grant.access).sub).toBe("2");
    const after = (await getUserRow(id)).passwordHash!;
    expect(after).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPasswordHash(after, password)).toBe(true);
    // The Django hash is gone; the same password signs in against the new one.
    expect(await login("million@example.com", password)).toMatchObject({ ok: true, kind: "session" });
    expect((await getUserRow(id)).passwordHash).toBe(after);
  });

  it("a failure to start the session leaves the Django hash: the re-hash is in the session's transaction", async () => {
    await importSeed();
    const { password, id } = passwords.pbkdf2!;
    const django = (await getUserRow(id)).passwordHash;
    // The session's insert fails after the re-hash's UPDATE has run in the same transaction.
    withRawConnection((db) => db.exec("create trigger no_sessions before insert on sessions begin select raise(abort, 'sessions refused by the test'); end"));
    await expect(login("pbkdf2@example.com", password)).rejects.toThrow(/insert into "sessions"/);
    expect((await getUserRow(id)).passwordHash).toBe(django);
    expect(rawRows("sessions")).toEqual([]);

    withRawConnection((db) => db.exec("drop trigger no_sessions"));
    expect(await login("pbkdf2@example.com", password)).toMatchObject({ ok: true, kind: "session" });
    expect((await getUserRow(id)).passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("a wrong password answers invalid credentials, changes no hash, and spends the account's budget", async () => {
    await importSeed();
    const django = (await getUserRow(5)).passwordHash;
    for (let i = 0; i < 5; i++) expect(await login("bcryptsha256@example.com", "not the password")).toEqual({ ok: false, reason: "invalid_credentials" });
    // Locked now, for the right password too (lib/auth/rate-limit.ts, checkAccountSecret).
    expect(await login("bcryptsha256@example.com", passwords.bcryptsha256!.password)).toMatchObject({ ok: false, reason: "locked" });
    expect((await getUserRow(5)).passwordHash).toBe(django);
    expect(rawRows("security_events").filter((e) => e.type === "login_failed")).toHaveLength(5);
  });

  it("social-only and unsupported-format users have no password to sign in with", async () => {
    await importSeed();
    for (const email of ["unusable@example.com", "empty@example.com", "octocat@example.com", "md5@example.com"]) {
      expect(await login(email, "md5 is not carried"), email).toEqual({ ok: false, reason: "invalid_credentials" });
    }
  });

  it("an inactive user is refused as disabled after the right password, and as invalid credentials after a wrong one", async () => {
    await importSeed();
    const { password, id } = passwords.inactive!;
    const django = (await getUserRow(id)).passwordHash;
    expect(await login("inactive@example.com", "a wrong password")).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(await login("inactive@example.com", password)).toEqual({ ok: false, reason: "account_disabled" });
    expect(rawRows("sessions")).toEqual([]);
    expect((await getUserRow(id)).passwordHash).toBe(django);
  });

  it("a password change proves the current password against the Django hash (signed in another way)", async () => {
    await importSeed();
    const { password, id } = passwords.bcrypt!;
    const user = await getUserRow(id);
    // Signed in without the password (say, a provider linked later): the Django hash is still there.
    const grant = await startSession({ userId: id, userAgent: null, ip: null }, { credentialsVersion: user.credentialsVersion });
    const input = { user, sessionId: grant!.sessionId, newPassword: "a fresh gatehouse password", client };
    expect(await changePassword({ ...input, currentPassword: "not it" })).toMatchObject({ ok: false, reason: "incorrect_password" });
    expect(await changePassword({ ...input, currentPassword: password })).toMatchObject({ ok: true });
    const changed = (await getUserRow(id)).passwordHash!;
    expect(changed).toMatch(/^\$argon2id\$/);
    expect(await verifyPasswordHash(changed, "a fresh gatehouse password")).toBe(true);
  });

  it("no way in starts a session or a second step for a disabled account: completeSignIn refuses it first", async () => {
    await importSeed();
    const disabled = await getUserRow(19);
    expect(disabled.disabledAt).not.toBeNull();
    for (const method of ["password", "google", "github", "passkey"] as const) {
      expect(await completeSignIn({ user: disabled, method, client }), method).toEqual({ ok: false, reason: "account_disabled" });
      expect(await completeSignIn({ user: disabled, method, client, secondFactor: "totp" }), method).toEqual({ ok: false, reason: "account_disabled" });
    }
    expect(rawRows("sessions")).toEqual([]);
    expect(rawRows("mfa_tokens")).toEqual([]);
  });
});
