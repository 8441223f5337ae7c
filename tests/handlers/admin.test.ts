import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as activity from "@/app/api/auth/activity/route";
import * as me from "@/app/api/auth/me/route";
import * as reauthenticate from "@/app/api/auth/reauthenticate/route";
import * as refresh from "@/app/api/auth/token/refresh/route";
import * as audit from "@/app/api/admin/audit/route";
import * as user from "@/app/api/admin/users/[id]/route";
import * as disable from "@/app/api/admin/users/[id]/disable/route";
import * as enable from "@/app/api/admin/users/[id]/enable/route";
import * as role from "@/app/api/admin/users/[id]/role/route";
import * as secondFactorReset from "@/app/api/admin/users/[id]/second-factor/reset/route";
import * as sessionsRevoke from "@/app/api/admin/users/[id]/sessions/revoke/route";
import * as verifyResend from "@/app/api/admin/users/[id]/verify-email/resend/route";
import * as users from "@/app/api/admin/users/route";
import { deleteUser, disableUser } from "@/lib/admin/actions";
import { setRole } from "@/lib/admin/roles";
import { recordReauthenticationIn } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { adminAudit, passkeys, recoveryCodes, sessions, totpCredentials, users as usersTable } from "@/db/schema";
import { describeEventAction } from "@/app/profile/activity-details";
import { ageSessions, signedIn, type SignedIn } from "../support/handler-accounts";
import { apiRequest, call, params } from "../support/handlers";
import { allEmails, createUser } from "../unit/helpers";

// Administration (docs/api.md), on the handlers one at a time: who may call /api/admin/,
// the page shape and the search, each action with its audit entry and the owner's words.
// Each line through the API as a client sees it: admin-api.test.ts; the CLI beside the
// built server and two instances: tests/integration/admin-cli.test.ts, two-instances.test.ts.

type Handler = (request: any, context: any) => Promise<Response>;
const ctx = (id: number | string) => params({ id: String(id) });
const as = (who: Pick<SignedIn, "headers"> | null, handler: Handler, path: string, options: { method?: string; json?: unknown; id?: number } = {}) =>
  call(handler, apiRequest(path, { method: options.method ?? (options.json === undefined ? "GET" : "POST"), headers: who?.headers ?? {}, json: options.json }), options.id === undefined ? undefined : ctx(options.id));

const admin = () => signedIn({ admin: true, secondFactor: "totp" });

/** Every admin endpoint, with what a valid call sends. */
const ENDPOINTS = (id: number): Array<{ name: string; handler: Handler; path: string; method: string; json?: unknown; id?: number }> => [
  { name: "list", handler: users.GET, path: "/api/admin/users/", method: "GET" },
  { name: "detail", handler: user.GET, path: `/api/admin/users/${id}/`, method: "GET", id },
  { name: "audit", handler: audit.GET, path: "/api/admin/audit/", method: "GET" },
  { name: "disable", handler: disable.POST, path: `/api/admin/users/${id}/disable/`, method: "POST", json: { reason: "spam" }, id },
  { name: "enable", handler: enable.POST, path: `/api/admin/users/${id}/enable/`, method: "POST", json: {}, id },
  { name: "sessions", handler: sessionsRevoke.POST, path: `/api/admin/users/${id}/sessions/revoke/`, method: "POST", json: {}, id },
  { name: "reset", handler: secondFactorReset.POST, path: `/api/admin/users/${id}/second-factor/reset/`, method: "POST", json: {}, id },
  { name: "resend", handler: verifyResend.POST, path: `/api/admin/users/${id}/verify-email/resend/`, method: "POST", json: {}, id },
  { name: "role", handler: role.POST, path: `/api/admin/users/${id}/role/`, method: "POST", json: { role: "admin" }, id },
  { name: "delete", handler: user.DELETE, path: `/api/admin/users/${id}/`, method: "DELETE", json: {}, id },
];

describe("who may call /api/admin/", () => {
  it("refuses no token (401), a plain user (403), an administrator without a second factor (403 admin_requires_second_factor), a stale session for changes", async () => {
    const target = await createUser();
    const plain = await signedIn();
    const noSecondFactor = await signedIn({ admin: true });
    const stale = await admin();
    await ageSessions(stale.user.id);
    for (const e of ENDPOINTS(target.id)) {
      const send = (who: SignedIn | null) => as(who, e.handler, e.path, { method: e.method, json: e.json, id: e.id });
      const none = await send(null);
      expect(none.status, e.name).toBe(401);
      expect(none.body).toEqual({ detail: "Authentication credentials were not provided." });
      const refused = await send(plain);
      expect(refused.status, e.name).toBe(403);
      expect(refused.body).toEqual({ detail: "You do not have permission to perform this action." });
      const weak = await send(noSecondFactor);
      expect(weak.status, e.name).toBe(403);
      expect(weak.body.code).toBe("admin_requires_second_factor");
      const old = await send(stale);
      if (e.method === "GET") expect(old.status, e.name).toBe(200);
      else {
        expect(old.status, e.name).toBe(403);
        expect(old.body.code).toBe("reauthentication_required");
      }
    }
    // Nothing was done to the target by any of them.
    expect(await getDb().select().from(adminAudit)).toEqual([]);
    expect((await getDb().select({ role: usersTable.role, disabledAt: usersTable.disabledAt }).from(usersTable).where(eq(usersTable.id, target.id)))[0]).toEqual({ role: "user", disabledAt: null });
  });

  it("refuses an administrator whose account lost its second factor since the session signed in with it", async () => {
    const target = await createUser();
    const withCode = await admin();
    const withPasskey = await signedIn({ admin: true, secondFactor: "passkey" });
    for (const who of [withCode, withPasskey]) expect((await as(who, users.GET, "/api/admin/users/")).status).toBe(200);
    // TOTP turned off, the last passkey removed: the sessions stay, their sign-ins' proof does not.
    await getDb().delete(totpCredentials).where(eq(totpCredentials.userId, withCode.user.id));
    await getDb().delete(passkeys).where(eq(passkeys.userId, withPasskey.user.id));
    for (const who of [withCode, withPasskey]) {
      const list = await as(who, users.GET, "/api/admin/users/");
      expect(list.status).toBe(403);
      expect(list.body.code).toBe("admin_requires_second_factor");
      const change = await as(who, disable.POST, `/api/admin/users/${target.id}/disable/`, { json: { reason: "spam" }, id: target.id });
      expect(change.status).toBe(403);
      expect(change.body.code).toBe("admin_requires_second_factor");
    }
    expect(await getDb().select().from(adminAudit)).toEqual([]);
  });

  it("takes for a change only a recent proof with a second factor, also from an administrator with passkeys and no TOTP", async () => {
    const target = await createUser();
    const a = await signedIn({ admin: true, secondFactor: "passkey" });
    await ageSessions(a.user.id);
    const change = () => as(a, disable.POST, `/api/admin/users/${target.id}/disable/`, { json: { reason: "spam" }, id: target.id });
    // The password again is a re-authentication the profile takes (no TOTP on), not the console.
    const byPassword = await as(a, reauthenticate.POST, "/api/auth/reauthenticate/", { json: { password: a.password } });
    expect(byPassword.status).toBe(200);
    const refused = await change();
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("reauthentication_required");
    expect(await getDb().select().from(adminAudit)).toEqual([]);
    // A passkey's re-authentication (its WebAuthn check has its own tests) counts.
    await recordReauthenticationIn(getDb(), a.sessionId, "passkey");
    expect((await change()).status).toBe(200);
  });

  it("adds is_admin to an administrator's /me only", async () => {
    const a = await admin();
    const u = await signedIn();
    expect((await as(a, me.GET, "/api/auth/me/")).body).toMatchObject({ is_admin: true });
    expect(Object.keys((await as(u, me.GET, "/api/auth/me/")).body).sort()).toEqual(["email", "email_verified", "id", "providers", "username"]);
  });
});

describe("GET /api/admin/users/", () => {
  it("pages newest first in DRF's shape, clamps page_size, and answers 404 for a page that does not exist", async () => {
    const a = await admin();
    for (let i = 0; i < 4; i++) await createUser({ username: `pager${i}`, email: `pager${i}@example.com` });
    const first = await as(a, users.GET, "/api/admin/users/?page_size=2&q=pager");
    expect(first.body).toMatchObject({ count: 4, previous: null, next: "http://127.0.0.1:3999/api/admin/users/?page_size=2&q=pager&page=2" });
    expect(first.body.results.map((u: { username: string }) => u.username)).toEqual(["pager3", "pager2"]);
    const second = await as(a, users.GET, "/api/admin/users/?page_size=2&q=pager&page=2");
    expect(second.body.next).toBeNull();
    expect(second.body.previous).toBe("http://127.0.0.1:3999/api/admin/users/?page_size=2&q=pager");
    expect((await as(a, users.GET, "/api/admin/users/?page_size=1000")).body.results).toHaveLength(5);
    expect((await as(a, users.GET, "/api/admin/users/?page_size=abc")).body.results).toHaveLength(5);
    for (const page of ["3", "0", "abc", "-1"]) {
      const res = await as(a, users.GET, `/api/admin/users/?page_size=2&q=pager&page=${page}`);
      expect(res.status, page).toBe(404);
      expect(res.body).toEqual({ detail: "Invalid page." });
    }
    expect((await as(a, users.GET, "/api/admin/users/?q=nobody-at-all")).body).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it("matches a part of the username or the email without regard to case, beyond ASCII, and takes % and _ literally", async () => {
    const a = await admin();
    await createUser({ username: "Élodie_Ünal", email: "elodie@example.org" });
    await createUser({ username: "plain", email: "Second.Person@EXAMPLE.net" });
    await createUser({ username: "other100", email: "x@example.com" });
    const names = async (q: string) => (await as(a, users.GET, `/api/admin/users/?q=${encodeURIComponent(q)}`)).body.results.map((u: { username: string }) => u.username);
    expect(await names("éLODIE")).toEqual(["Élodie_Ünal"]);
    expect(await names("ünal")).toEqual(["Élodie_Ünal"]);
    expect(await names("person@example.NET")).toEqual(["plain"]);
    expect(await names("_")).toEqual(["Élodie_Ünal"]);
    expect(await names("%")).toEqual([]);
    expect(await names("example.org")).toEqual(["Élodie_Ünal"]);
  });

  it("describes each account without a secret", async () => {
    const a = await admin();
    const t = await createUser({ username: "described", email: "described@example.com" });
    await getDb().insert(totpCredentials).values({ userId: t.id, encryptedSecret: "sealed-totp-secret", confirmedAt: new Date() });
    await getDb().insert(recoveryCodes).values({ userId: t.id, codeHash: "recovery-code-hash" });
    await getDb().insert(passkeys).values({ id: "pk", userId: t.id, credentialId: "cred-id", publicKey: "pub-key", deviceType: "singleDevice", userHandle: "h", name: "Key" });
    const list = await as(a, users.GET, "/api/admin/users/?q=described");
    expect(list.body.results).toEqual([
      { id: t.id, username: "described", email: "described@example.com", email_verified: false, is_admin: false, disabled: false, created_at: expect.any(String), last_login_at: null, providers: [], totp: true, passkeys: 1 },
    ]);
    const detail = await as(a, user.GET, `/api/admin/users/${t.id}/`, { id: t.id });
    expect(detail.body).toMatchObject({ id: t.id, sessions: [], activity: [] });
    const text = JSON.stringify([list.body, detail.body]);
    for (const secret of [t.passwordHash!, "sealed-totp-secret", "recovery-code-hash", "cred-id", "pub-key"]) expect(text).not.toContain(secret);
    expect((await as(a, user.GET, "/api/admin/users/999999/", { id: 999999 })).status).toBe(404);
    expect((await as(a, user.GET, "/api/admin/users/abc/", { id: "abc" as never })).status).toBe(404);
  });
});

describe("the actions", () => {
  it("disables at once: sessions, access tokens and refresh refused, in the owner's words; enables again; both audited", async () => {
    const a = await admin();
    const t = await signedIn({ email: "abuser@example.com" });
    const phone = await t.another();
    const missingReason = await as(a, disable.POST, `/api/admin/users/${t.user.id}/disable/`, { json: {}, id: t.user.id });
    expect(missingReason.body).toEqual({ reason: ["This field is required."] });
    // Blank is said as missing, as every empty field is (app/_components/field-words.ts).
    const blankReason = await as(a, disable.POST, `/api/admin/users/${t.user.id}/disable/`, { json: { reason: "   " }, id: t.user.id });
    expect(blankReason.body).toEqual({ reason: ["This field is required."] });
    const res = await as(a, disable.POST, `/api/admin/users/${t.user.id}/disable/`, { json: { reason: "Spam reports" }, id: t.user.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: t.user.id, disabled: true });
    expect((await as(t, me.GET, "/api/auth/me/")).status).toBe(401);
    // Ended in the disable's own transaction, not merely refused.
    expect((await getDb().select({ revokedAt: sessions.revokedAt }).from(sessions).where(eq(sessions.userId, t.user.id))).every((r) => r.revokedAt !== null)).toBe(true);
    const refreshed = await call(refresh.POST, apiRequest("/api/auth/token/refresh/", { method: "POST", headers: { cookie: `refresh_token=${phone.refreshToken}` } }));
    expect(refreshed.status).toBe(401);
    await as(a, enable.POST, `/api/admin/users/${t.user.id}/enable/`, { json: { reason: "Appeal accepted" }, id: t.user.id });
    // Enabling lets it sign in again; the sessions it had stay ended.
    expect((await as(t, me.GET, "/api/auth/me/")).status).toBe(401);
    const fresh = await t.another();
    const words = (await as(fresh, activity.GET, "/api/auth/activity/")).body.map(describeEventAction);
    expect(words.slice(0, 2)).toEqual(["An administrator enabled your account again", "An administrator disabled your account"]);
    const entries = (await as(a, audit.GET, "/api/admin/audit/")).body.results;
    expect(entries.map((e: { action: string; reason: string }) => [e.action, e.reason])).toEqual([["user_enabled", "Appeal accepted"], ["user_disabled", "Spam reports"]]);
    expect(entries[0]).toEqual({ id: expect.any(Number), at: expect.any(String), action: "user_enabled", admin: { id: a.user.id, email: a.user.email }, target: { id: t.user.id, email: "abuser@example.com" }, reason: "Appeal accepted", ip: expect.any(String) });
  });

  it("ends every session, resets the second factor (owner emailed, sessions ended), resends verification", async () => {
    const a = await admin();
    const t = await signedIn({ emailVerified: false });
    await t.another();
    const revoked = await as(a, sessionsRevoke.POST, `/api/admin/users/${t.user.id}/sessions/revoke/`, { json: {}, id: t.user.id });
    expect(revoked.body).toEqual({ revoked: 2 });
    const again = await t.another();
    await getDb().insert(totpCredentials).values({ userId: t.user.id, encryptedSecret: "x", confirmedAt: new Date() });
    await getDb().insert(recoveryCodes).values({ userId: t.user.id, codeHash: "y" });
    await getDb().insert(passkeys).values({ id: "pk2", userId: t.user.id, credentialId: "c2", publicKey: "p", deviceType: "singleDevice", userHandle: "h", name: "K" });
    const reset = await as(a, secondFactorReset.POST, `/api/admin/users/${t.user.id}/second-factor/reset/`, { json: { reason: "Lost phone" }, id: t.user.id });
    expect(reset.body).toMatchObject({ totp: false, passkeys: 0 });
    expect(await getDb().select().from(recoveryCodes)).toEqual([]);
    expect((await as(again, me.GET, "/api/auth/me/")).status).toBe(401);
    expect((await allEmails()).map((m) => m.subject)).toContain("Your two-step verification was reset");
    const resend = await as(a, verifyResend.POST, `/api/admin/users/${t.user.id}/verify-email/resend/`, { json: {}, id: t.user.id });
    expect(resend.status).toBe(202);
    expect((await allEmails()).filter((m) => m.to === t.user.email && m.subject === "Verify your email address")).toHaveLength(1);
    const actions = (await as(a, audit.GET, "/api/admin/audit/")).body.results.map((e: { action: string }) => e.action);
    expect(actions).toEqual(["verification_resent", "second_factor_reset", "sessions_revoked"]);
  });

  it("never disables, deletes or demotes the last administrator who can act (409 last_admin)", async () => {
    const a = await admin();
    for (const [handler, path, json, method] of [
      [disable.POST, `/api/admin/users/${a.user.id}/disable/`, { reason: "oops" }, "POST"],
      [user.DELETE, `/api/admin/users/${a.user.id}/`, {}, "DELETE"],
      [role.POST, `/api/admin/users/${a.user.id}/role/`, { role: "user" }, "POST"],
    ] as const) {
      const res = await as(a, handler, path, { json, method, id: a.user.id });
      expect(res.status, path).toBe(409);
      expect(res.body.code).toBe("last_admin");
    }
    // A disabled administrator is no administrator who can act.
    const b = await createUser({ email: "dormant@example.com" });
    await getDb().update(usersTable).set({ role: "admin", disabledAt: new Date() }).where(eq(usersTable.id, b.id));
    expect((await as(a, role.POST, `/api/admin/users/${a.user.id}/role/`, { json: { role: "user" }, id: a.user.id })).status).toBe(409);
    const c = await createUser({ email: "second@example.com" });
    expect((await as(a, role.POST, `/api/admin/users/${c.id}/role/`, { json: { role: "admin" }, id: c.id })).body).toMatchObject({ is_admin: true });
    expect((await as(a, role.POST, `/api/admin/users/${a.user.id}/role/`, { json: { role: "user" }, id: a.user.id })).body).toMatchObject({ is_admin: false });
  });

  it("lets two administrators racing to remove each other leave one", async () => {
    const a = await admin();
    const b = await admin();
    const answers = await Promise.all([
      as(a, user.DELETE, `/api/admin/users/${b.user.id}/`, { method: "DELETE", json: {}, id: b.user.id }),
      as(b, user.DELETE, `/api/admin/users/${a.user.id}/`, { method: "DELETE", json: {}, id: a.user.id }),
    ]);
    // One erasure; the other is refused, whether it got past its own token check (409:
    // the count in its transaction sees one administrator left) or not (401: its account is gone).
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses[0]).toBe(204);
    expect([401, 409]).toContain(statuses[1]);
    expect(await getDb().select({ role: usersTable.role }).from(usersTable)).toEqual([{ role: "admin" }]);
  });

  it("counts the administrators inside each removal's transaction: two removals past their token checks at once leave one", async () => {
    // The race above is usually decided by the token check (the loser's account is gone
    // first); here both removals are already past it, as on PostgreSQL when both requests
    // read their sessions before either commits. The count (lib/admin/roles.ts) decides.
    const actor = (a: SignedIn) => ({ kind: "admin" as const, id: a.user.id, email: a.user.email, ip: "127.0.0.1" });
    const activeAdmins = async () =>
      (await getDb().select({ role: usersTable.role, disabledAt: usersTable.disabledAt }).from(usersTable)).filter((u) => u.role === "admin" && u.disabledAt === null).length;
    const [a, b] = [await admin(), await admin()];
    const pair = await Promise.all([disableUser({ targetId: b.user.id, actor: actor(a), reason: "race" }), setRole({ target: { id: a.user.id }, role: "user", actor: actor(b) })]);
    expect(pair.map((r) => (r.ok ? "done" : r.reason)).sort()).toEqual(["done", "last_admin"]);
    expect(await activeAdmins()).toBe(1);
    const c = await admin();
    const survivor = pair[0].ok ? a : b;
    const erasures = await Promise.all([deleteUser({ targetId: c.user.id, actor: actor(survivor) }), deleteUser({ targetId: survivor.user.id, actor: actor(c) })]);
    expect(erasures.map((r) => (r.ok ? "done" : r.reason)).sort()).toEqual(["done", "last_admin"]);
    expect(await activeAdmins()).toBe(1);
  });

  it("erases a user; the audit keeps the target's id and address", async () => {
    const a = await admin();
    const t = await signedIn({ email: "gone@example.com" });
    const res = await as(a, user.DELETE, `/api/admin/users/${t.user.id}/`, { method: "DELETE", json: { reason: "Asked by email" }, id: t.user.id });
    expect(res.status).toBe(204);
    expect((await as(t, me.GET, "/api/auth/me/")).status).toBe(401);
    expect((await as(a, user.GET, `/api/admin/users/${t.user.id}/`, { id: t.user.id })).status).toBe(404);
    expect((await as(a, user.DELETE, `/api/admin/users/${t.user.id}/`, { method: "DELETE", json: {}, id: t.user.id })).status).toBe(404);
    const [entry] = (await as(a, audit.GET, "/api/admin/audit/")).body.results;
    expect(entry).toMatchObject({ action: "user_deleted", target: { id: t.user.id, email: "gone@example.com" }, reason: "Asked by email" });
    expect((await allEmails()).find((m) => m.to === "gone@example.com")?.subject).toBe("Your Gatehouse account was deleted");
  });
});
