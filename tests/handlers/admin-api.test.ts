import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { administrator, ageSessions, PASSWORD, register, signIn, signInWithTotp, totp, UA, type Device } from "../support/accounts";
import { ApiClient, type ApiResponse } from "../support/client";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";

// Administration (docs/api.md), each line through the API as a client sees it, in-process
// (decision 032), on SQLite and PostgreSQL (test:handlers:pg): who may call /api/admin/,
// the list and one account, every action with its audit entry and the owner's words, the
// last administrator, disabling a live session and racing logins, and no secret in any
// answer or the app's log. One app for the file. The rules one at a time, on the
// handlers: admin.test.ts; `npm run admin` beside the serving built server:
// tests/integration/admin-cli.test.ts; a disable seen by a second instance:
// tests/integration/two-instances.test.ts; by the apps of the OpenID provider:
// tests/integration/oidc.test.ts.

let app: InProcessApp;
let admin: Device & { email: string; id: number; secret: string };
/** Every answer an administrator got, for the check that none carries a secret. */
const seen: ApiResponse[] = [];

beforeAll(async () => {
  app = await startInProcessApp();
  admin = await administrator(app, "chief");
});

afterAll(async () => {
  await app?.stop();
});

const adminCall = async (method: string, path: string, json?: unknown) => {
  const res = await admin.call(method, path, json);
  seen.push(res);
  return res;
};

describe("who may call /api/admin/", () => {
  const endpoints = (id: number): Array<[string, string, unknown?]> => [
    ["GET", "/api/admin/users/"],
    ["GET", `/api/admin/users/${id}/`],
    ["GET", "/api/admin/audit/"],
    ["POST", `/api/admin/users/${id}/disable/`, { reason: "test" }],
    ["POST", `/api/admin/users/${id}/enable/`, {}],
    ["POST", `/api/admin/users/${id}/sessions/revoke/`, {}],
    ["POST", `/api/admin/users/${id}/second-factor/reset/`, {}],
    ["POST", `/api/admin/users/${id}/verify-email/resend/`, {}],
    ["POST", `/api/admin/users/${id}/role/`, { role: "admin" }],
    ["DELETE", `/api/admin/users/${id}/`, {}],
  ];

  it("answers 401 without a token and 403 to a plain user, on every endpoint, and changes nothing", async () => {
    const target = await register(app, "target_plain");
    const plain = await signIn(app, (await register(app, "plain_user")).email);
    const auditBefore = await app.db().get<{ n: number }>("select count(*) as n from admin_audit");
    for (const [method, path, json] of endpoints(target.id)) {
      const none = await new ApiClient(app.url).request(method, path, { json });
      expect(none.status, `${method} ${path}`).toBe(401);
      const refused = await plain.call(method, path, json);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body).toEqual({ detail: "You do not have permission to perform this action." });
    }
    expect(await app.db().get("select role, disabled_at from users where id = ?", target.id)).toEqual({ role: "user", disabled_at: null });
    expect(await app.db().get<{ n: number }>("select count(*) as n from admin_audit")).toEqual(auditBefore);
    expect(Object.keys((await plain.call("GET", "/api/auth/me/")).body).sort()).toEqual(["email", "email_verified", "id", "providers", "username"]);
    expect((await admin.call("GET", "/api/auth/me/")).body).toMatchObject({ is_admin: true });
  });

  it("refuses an administrator whose session used no second factor, and a stale one for changes", async () => {
    const target = await register(app, "target_weak");
    const weak = await register(app, "weak_admin");
    await app.db().run("update users set role = 'admin' where id = ?", weak.id);
    const password = await signIn(app, weak.email);
    for (const [method, path, json] of endpoints(target.id)) {
      const res = await password.call(method, path, json);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.code).toBe("admin_requires_second_factor");
    }
    const stale = await register(app, "stale_admin");
    await app.db().run("update users set role = 'admin' where id = ?", stale.id);
    const strong = await signInWithTotp(app, stale.email);
    await ageSessions(app, stale.id);
    expect((await strong.call("GET", "/api/admin/users/")).status).toBe(200);
    const change = await strong.call("POST", `/api/admin/users/${target.id}/disable/`, { reason: "stale" });
    expect(change.status).toBe(403);
    expect(change.body.code).toBe("reauthentication_required");
    // A code proves it again. The sign-in spent this time step and the next; as if a
    // minute had passed, the account's last step is set back (no waiting in a test).
    await app.db().run("update totp_credentials set last_used_step = null where user_id = ?", stale.id);
    expect((await strong.call("POST", "/api/auth/reauthenticate/", { code: totp(strong.secret) })).status).toBe(200);
    expect((await strong.call("POST", `/api/admin/users/${target.id}/sessions/revoke/`, {})).status).toBe(200);
    await app.db().run("update users set role = 'user' where id in (?, ?)", weak.id, stale.id);
  });
});

describe("the list and one account", () => {
  it("searches username or email without regard to case, in DRF's pages, newest first", async () => {
    await register(app, "zoe.one", { username: "Zoë_Search" });
    await register(app, "Zoe.Second");
    await register(app, "unrelated");
    const res = await adminCall("GET", "/api/admin/users/?q=ZOË&page_size=1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ count: 1, previous: null, next: null });
    expect(res.body.results[0]).toMatchObject({ username: "Zoë_Search", email: "zoe.one@example.com", is_admin: false, disabled: false, totp: false, passkeys: 0, providers: [] });
    const byEmail = await adminCall("GET", "/api/admin/users/?q=E.SECOND@EXAMPLE&page_size=1");
    expect(byEmail.body.count).toBe(1);
    expect(byEmail.body.results[0].username).toBe("Zoe.Second");
    const all = await adminCall("GET", "/api/admin/users/?page_size=2");
    expect(all.body.results).toHaveLength(2);
    expect(all.body.next).toBe(`${app.url}/api/admin/users/?page_size=2&page=2`);
    expect(Date.parse(all.body.results[0].created_at)).toBeGreaterThanOrEqual(Date.parse(all.body.results[1].created_at));
    expect((await adminCall("GET", "/api/admin/users/?page=999")).status).toBe(404);
  });

  it("shows one account with its sessions and last activity; 404 for an unknown id", async () => {
    const account = await register(app, "shown_user");
    await signIn(app, account.email);
    const res = await adminCall("GET", `/api/admin/users/${account.id}/`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: account.id, email: account.email, sessions: [{ user_agent: UA, current: false }], activity: [{ type: "login" }] });
    expect(res.body.last_login_at).toEqual(expect.any(String));
    expect((await adminCall("GET", "/api/admin/users/987654/")).status).toBe(404);
  });
});

describe("disabling", () => {
  it("ends a live session at once (access token and refresh refused), refuses every sign-in, says so only after the right password; enabling lets it in again", async () => {
    const account = await register(app, "live_target");
    const live = await signIn(app, account.email);
    const totpAccount = await register(app, "totp_target");
    const withTotp = await signInWithTotp(app, totpAccount.email);
    // An mfa_token handed out before the disable.
    const firstStep = await new ApiClient(app.url).post("/api/auth/login/", { email: totpAccount.email, password: PASSWORD });
    expect(firstStep.body.mfa_required).toBe(true);

    const missing = await adminCall("POST", `/api/admin/users/${account.id}/disable/`, {});
    expect(missing.status).toBe(400);
    const res = await adminCall("POST", `/api/admin/users/${account.id}/disable/`, { reason: "Abuse report #12" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: account.id, disabled: true });
    expect((await adminCall("POST", `/api/admin/users/${totpAccount.id}/disable/`, { reason: "Abuse report #13" })).status).toBe(200);

    expect((await live.call("GET", "/api/auth/me/")).status).toBe(401);
    expect((await live.client.post("/api/auth/token/refresh/")).status).toBe(401);
    expect((await withTotp.call("GET", "/api/auth/me/")).status).toBe(401);
    const right = await new ApiClient(app.url).post("/api/auth/login/", { email: account.email, password: PASSWORD });
    expect(right.status).toBe(403);
    expect(right.body).toEqual({ detail: "This account is disabled.", code: "account_disabled" });
    const wrong = await new ApiClient(app.url).post("/api/auth/login/", { email: account.email, password: "not the password" });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ non_field_errors: ["Invalid credentials"] });
    const second = await new ApiClient(app.url).post("/api/auth/mfa/verify/", { mfa_token: firstStep.body.mfa_token, code: totp(withTotp.secret, 1) });
    expect(second.status).toBe(400);
    expect(second.body).toEqual({ detail: "Invalid or expired token" });
    const live2 = await app.db().get<{ n: number }>("select count(*) as n from sessions where user_id in (?, ?) and revoked_at is null", account.id, totpAccount.id);
    expect(Number(live2!.n)).toBe(0);

    const enabled = await adminCall("POST", `/api/admin/users/${account.id}/enable/`, {});
    expect(enabled.body).toMatchObject({ disabled: false });
    const back = await signIn(app, account.email);
    const types = (await back.call("GET", "/api/auth/activity/")).body.map((e: { type: string }) => e.type);
    expect(types.slice(0, 2)).toEqual(["login", "admin_enabled"]);
    expect(types).toContain("admin_disabled");
  });

  it("leaves no live session when logins race the disable", async () => {
    const account = await register(app, "racing_target");
    const logins = Array.from({ length: 6 }, () => new ApiClient(app.url).post("/api/auth/login/", { email: account.email, password: PASSWORD }));
    const disabled = adminCall("POST", `/api/admin/users/${account.id}/disable/`, { reason: "race" });
    const answers = await Promise.all(logins);
    expect((await disabled).status).toBe(200);
    for (const answer of answers) {
      expect([200, 400, 403]).toContain(answer.status);
      if (answer.status === 200) expect((await new ApiClient(app.url).get("/api/auth/me/", { authorization: `Bearer ${answer.body.access}` })).status).toBe(401);
    }
    const live = await app.db().get<{ n: number }>("select count(*) as n from sessions where user_id = ? and revoked_at is null", account.id);
    expect(Number(live!.n)).toBe(0);
  });
});

describe("the other actions", () => {
  it("ends every session, resets the second factor (owner emailed), resends verification", async () => {
    const account = await register(app, "lost_phone");
    const withTotp = await signInWithTotp(app, account.email);
    const revoked = await adminCall("POST", `/api/admin/users/${account.id}/sessions/revoke/`, {});
    expect(revoked.body).toEqual({ revoked: 2 });
    expect((await withTotp.call("GET", "/api/auth/me/")).status).toBe(401);
    const before = app.mail.messages.length;
    const reset = await adminCall("POST", `/api/admin/users/${account.id}/second-factor/reset/`, { reason: "Ticket 881: lost phone" });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ totp: false, passkeys: 0 });
    await app.mail.waitForEmail(account.email, { subject: /two-step verification was reset/i, after: before });
    const again = await new ApiClient(app.url).post("/api/auth/login/", { email: account.email, password: PASSWORD });
    expect(again.status).toBe(200);
    expect(again.body.access).toEqual(expect.any(String));
    expect(await app.db().get("select count(*) as n from recovery_codes where user_id = ?", account.id)).toEqual({ n: 0 });

    const unverified = await register(app, "never_verified", { verified: false });
    const resend = await adminCall("POST", `/api/admin/users/${unverified.id}/verify-email/resend/`, {});
    expect(resend.status).toBe(202);
    await expect.poll(() => app.mail.messages.filter((m) => JSON.stringify(m.to).includes(unverified.email) && /verify/i.test(m.subject)).length).toBe(2);
  });

  it("never takes away the last administrator (409 last_admin), through the API", async () => {
    for (const [method, path, json] of [
      ["POST", `/api/admin/users/${admin.id}/disable/`, { reason: "no" }],
      ["DELETE", `/api/admin/users/${admin.id}/`, {}],
      ["POST", `/api/admin/users/${admin.id}/role/`, { role: "user" }],
    ] as const) {
      const res = await adminCall(method, path, json);
      expect(res.status, path).toBe(409);
      expect(res.body.code).toBe("last_admin");
    }
    expect((await admin.call("GET", "/api/auth/me/")).body.is_admin).toBe(true);
  });

  it("erases an account; the audit keeps the target's id and address, newest first, in every field", async () => {
    const account = await register(app, "erased_by_admin");
    await signIn(app, account.email);
    const res = await adminCall("DELETE", `/api/admin/users/${account.id}/`, { reason: "GDPR request by email" });
    expect(res.status).toBe(204);
    expect(await app.db().get("select id from users where id = ?", account.id)).toBeUndefined();
    const audit = await adminCall("GET", "/api/admin/audit/");
    expect(audit.status).toBe(200);
    expect(audit.body.results[0]).toEqual({
      id: expect.any(Number),
      at: expect.any(String),
      action: "user_deleted",
      admin: { id: admin.id, email: admin.email },
      target: { id: account.id, email: account.email },
      reason: "GDPR request by email",
      ip: "127.0.0.1",
    });
    const actions = audit.body.results.map((e: { action: string }) => e.action);
    for (const action of ["user_disabled", "user_enabled", "sessions_revoked", "second_factor_reset", "verification_resent"]) expect(actions).toContain(action);
    expect(audit.body.results.some((e: { action: string; admin: unknown }) => e.action.startsWith("user_") && e.admin === null)).toBe(false);
  });
});

describe("no secret reaches an administrator", () => {
  it("in any answer of the file, or in the app's log", async () => {
    const hashes = [
      ...(await app.db().all<{ v: string }>("select password_hash as v from users where password_hash is not null")),
      ...(await app.db().all<{ v: string }>("select token_hash as v from refresh_tokens")),
      ...(await app.db().all<{ v: string }>("select encrypted_secret as v from totp_credentials")),
      ...(await app.db().all<{ v: string }>("select code_hash as v from recovery_codes")),
      ...(await app.db().all<{ v: string }>("select token_hash as v from email_verification_tokens")),
    ].map((r) => r.v);
    expect(hashes.length).toBeGreaterThan(20);
    const answers = JSON.stringify(seen.map((r) => r.body));
    const log = app.logs();
    for (const secret of [...hashes, admin.secret]) {
      expect(answers).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
    expect(answers).not.toMatch(/password_hash|token_hash|encrypted_secret|code_hash|\$argon2/);
    expect(log).not.toMatch(/\$argon2id\$/);
  });
});
