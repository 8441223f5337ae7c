import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ageSessions, PASSWORD, register, signIn, signInWithTotp, tableNames } from "../support/accounts";
import { ApiClient } from "../support/client";
import { linkIn } from "../support/fake-resend";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";

// The account's own lifecycle (docs/api.md), each line through the API as a client sees
// it, in-process (decision 032), and the fake Resend: PATCH /me, the change of address
// with its two mails, its cancel (before and after the change), the taken address, the
// export, the erasure. On SQLite and PostgreSQL (test:handlers:pg). One app for the file,
// with the per-address email cap at its default (3 an hour), which the tests use distinct
// addresses around. The rules one at a time, on the handlers: account-lifecycle.test.ts;
// the cancel page and its Referrer-Policy, which only the built server shows:
// tests/integration/server.test.ts.

let app: InProcessApp;

beforeAll(async () => {
  app = await startInProcessApp({ env: { RATE_LIMIT_EMAIL_PER_ADDRESS: "3" } });
});

afterAll(async () => {
  await app?.stop();
});

const mailTo = (to: string, subject?: RegExp, after = 0) => app.mail.waitForEmail(to, { subject, after });
const tokenOf = (link: string) => new URL(link).searchParams.get("token")!;

describe("PATCH /api/auth/me/", () => {
  it("changes the username under register's rules and records it; /me keeps the seed's keys", async () => {
    const { email } = await register(app, "patcher");
    await register(app, "taken_name");
    const me = await signIn(app, email);
    const taken = await me.call("PATCH", "/api/auth/me/", { username: "TAKEN_name" });
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ username: ["A user with that username already exists."] });
    expect((await me.call("PATCH", "/api/auth/me/", { username: "has space" })).status).toBe(400);
    const changed = await me.call("PATCH", "/api/auth/me/", { username: "renamed.one" });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ id: expect.any(Number), username: "renamed.one", email, email_verified: true, providers: [] });
    expect(Object.keys((await me.call("GET", "/api/auth/me/")).body).sort()).toEqual(["email", "email_verified", "id", "providers", "username"]);
    const activity = await me.call("GET", "/api/auth/activity/");
    expect(activity.body[0]).toMatchObject({ type: "username_changed", detail: { from: "patcher", to: "renamed.one" } });
    expect((await new ApiClient(app.url).request("PATCH", "/api/auth/me/", { json: { username: "x" } })).status).toBe(401);
  });
});

describe("POST /api/auth/email/change/", () => {
  it("needs a recent sign-in", async () => {
    const account = await register(app, "stale_changer");
    const me = await signIn(app, account.email);
    await ageSessions(app, account.id);
    const res = await me.call("POST", "/api/auth/email/change/", { email: "stale-new@example.com" });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("reauthentication_required");
  });

  it("changes nothing until the new address's link is used; then sets it, verified, ends every other session, and records it", async () => {
    const account = await register(app, "nadia");
    const asker = await signIn(app, account.email);
    const other = await signIn(app, account.email);
    const before = app.mail.messages.length;
    const res = await asker.call("POST", "/api/auth/email/change/", { email: "nadia.new@example.org" });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message: "If that address can be used, we sent a link to confirm it." });

    const confirmation = await mailTo("nadia.new@example.org", /confirm your new email/i, before);
    const link = linkIn(confirmation, `${app.url}/verify-email/?token=`);
    const notice = await mailTo(account.email, /about to change/i, before);
    expect(notice.text).toContain("n***@example.org");
    expect(notice.text + notice.html).not.toContain("nadia.new@");
    const cancelLink = linkIn(notice, `${app.url}/email-change/cancel/?token=`);
    expect(tokenOf(cancelLink)).toMatch(/^[\w-]{43}$/);

    // Nothing changed yet: the old address signs in, the pending change is shown.
    expect((await asker.call("GET", "/api/auth/me/")).body.email).toBe(account.email);
    expect((await asker.call("GET", "/api/auth/email/change/")).body).toEqual({ pending: { email: "nadia.new@example.org", expires_at: expect.any(String) } });
    const check = await new ApiClient(app.url).post("/api/auth/verify-email/check/", { token: tokenOf(link) });
    expect(check.body).toEqual({ state: "ready", purpose: "email_change" });
    expect((await asker.call("GET", "/api/auth/me/")).body.email).toBe(account.email);

    const used = await new ApiClient(app.url).get(`/api/auth/verify-email/?token=${tokenOf(link)}`);
    expect(used.status).toBe(200);
    expect(used.body).toEqual({ message: "Email verified" });
    expect((await asker.call("GET", "/api/auth/me/")).body).toMatchObject({ email: "nadia.new@example.org", email_verified: true });
    expect((await other.call("GET", "/api/auth/me/")).status).toBe(401);
    expect((await other.client.post("/api/auth/token/refresh/")).status).toBe(401);
    expect((await asker.client.post("/api/auth/token/refresh/")).status).toBe(200);
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email: account.email, password: PASSWORD })).status).toBe(400);
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email: "nadia.new@example.org", password: PASSWORD })).status).toBe(200);
    const activity = await asker.call("GET", "/api/auth/activity/");
    expect(activity.body.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(["email_changed", "email_change_requested"]));
  });

  it("answers an address that has an account exactly alike: no link anywhere, only the registration notice", async () => {
    const owner = await register(app, "owner_of_address");
    const account = await register(app, "prober");
    const me = await signIn(app, account.email);
    const before = app.mail.messages.length;
    const taken = await me.call("POST", "/api/auth/email/change/", { email: owner.email.toUpperCase() });
    const free = await me.call("POST", "/api/auth/email/change/", { email: "prober.free@example.com" });
    expect(taken.status).toBe(free.status);
    expect(taken.body).toEqual(free.body);
    await mailTo("prober.free@example.com", /confirm your new email/i, before);
    const toOwner = await mailTo(owner.email, /tried to register/i, before);
    expect(toOwner.text).not.toMatch(/verify-email|token=/);
    // The current address hears of both requests alike.
    await expect.poll(() => app.mail.messages.slice(before).filter((m) => m.to === account.email || (Array.isArray(m.to) && m.to.includes(account.email))).length).toBe(2);
    expect(app.mail.messages.slice(before).filter((m) => JSON.stringify(m.to).includes(owner.email)).map((m) => m.subject)).toEqual(["Someone tried to register with your email address"]);
    // Nothing the prober holds makes the owner's address theirs.
    const row = await app.db().get<{ email: string }>("select email from users where id = ?", account.id);
    expect(row!.email).toBe(account.email);
  });

  it("counts these mails toward the new address's hourly cap", async () => {
    const account = await register(app, "capper");
    const me = await signIn(app, account.email);
    const before = app.mail.messages.length;
    for (let i = 0; i < 4; i++) expect((await me.call("POST", "/api/auth/email/change/", { email: "capped.target@example.com" })).status).toBe(202);
    await expect.poll(() => app.mail.messages.slice(before).filter((m) => JSON.stringify(m.to).includes("capped.target@")).length).toBe(3);
    await expect.poll(() => app.mail.messages.slice(before).filter((m) => JSON.stringify(m.to).includes(account.email)).length).toBe(3);
  });

  it("cancels from the old address: the confirmation link stops working and every session ends", async () => {
    const account = await register(app, "victim_one");
    const attacker = await signIn(app, account.email);
    const before = app.mail.messages.length;
    await attacker.call("POST", "/api/auth/email/change/", { email: "thief.one@example.net" });
    const link = linkIn(await mailTo("thief.one@example.net", /confirm/i, before), `${app.url}/verify-email/?token=`);
    const cancel = linkIn(await mailTo(account.email, /about to change/i, before), `${app.url}/email-change/cancel/?token=`);
    const res = await new ApiClient(app.url).post("/api/auth/email/change/cancel/", { token: tokenOf(cancel) });
    expect(res.status).toBe(200);
    expect(res.body.message).toMatch(/cancelled/);
    expect((await attacker.call("GET", "/api/auth/me/")).status).toBe(401);
    expect((await new ApiClient(app.url).post("/api/auth/verify-email/", { token: tokenOf(link) })).status).toBe(400);
    expect((await new ApiClient(app.url).post("/api/auth/email/change/cancel/", { token: tokenOf(cancel) })).status).toBe(400);
    expect((await app.db().get<{ email: string }>("select email from users where id = ?", account.id))!.email).toBe(account.email);
  });

  it("undoes a change already confirmed when the old address cancels after it", async () => {
    const account = await register(app, "victim_two");
    const attacker = await signIn(app, account.email);
    const before = app.mail.messages.length;
    await attacker.call("POST", "/api/auth/email/change/", { email: "thief.two@example.net" });
    const link = linkIn(await mailTo("thief.two@example.net", /confirm/i, before), `${app.url}/verify-email/?token=`);
    const cancel = linkIn(await mailTo(account.email, /about to change/i, before), `${app.url}/email-change/cancel/?token=`);
    expect((await new ApiClient(app.url).post("/api/auth/verify-email/", { token: tokenOf(link) })).status).toBe(200);
    expect((await attacker.call("GET", "/api/auth/me/")).body.email).toBe("thief.two@example.net");
    const res = await new ApiClient(app.url).post("/api/auth/email/change/cancel/", { token: tokenOf(cancel) });
    expect(res.status).toBe(200);
    expect(res.body.message).toMatch(/undone/);
    expect((await attacker.call("GET", "/api/auth/me/")).status).toBe(401);
    expect((await attacker.client.post("/api/auth/token/refresh/")).status).toBe(401);
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email: account.email, password: PASSWORD })).status).toBe(200);
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email: "thief.two@example.net", password: PASSWORD })).status).toBe(400);
    // The new address held the account: it hears that the old one took it back, and that
    // every session ended (queued in the undo's transaction, as a notice, so read the
    // outbox first: a missing notice fails here, not on a mail wait).
    const outbox = await app.db().all<{ subject: string; capped: unknown }>("select subject, capped from emails where recipient_key = ? order by id", "thief.two@example.net");
    expect(outbox.map((r) => [r.subject, Boolean(r.capped)])).toEqual([
      ["Confirm your new email address", true],
      [expect.stringMatching(/no longer uses this address/), false],
    ]);
    const undone = await mailTo("thief.two@example.net", /no longer uses this address/i, before);
    expect(undone.text).toMatch(/undone from the previous address, v\*\*\*@example\.com/);
    expect(undone.text).toMatch(/every session of the account was signed out/);
    expect(undone.text).not.toContain(account.email);
  });

  it("tells the new address nothing when the cancel only stops a change that was never confirmed", async () => {
    const account = await register(app, "victim_three");
    const asker = await signIn(app, account.email);
    const before = app.mail.messages.length;
    await asker.call("POST", "/api/auth/email/change/", { email: "thief.three@example.net" });
    const cancel = linkIn(await mailTo(account.email, /about to change/i, before), `${app.url}/email-change/cancel/?token=`);
    expect((await new ApiClient(app.url).post("/api/auth/email/change/cancel/", { token: tokenOf(cancel) })).body.message).toMatch(/cancelled/);
    const outbox = await app.db().all<{ subject: string }>("select subject from emails where recipient_key = ? order by id", "thief.three@example.net");
    expect(outbox.map((r) => r.subject)).toEqual(["Confirm your new email address"]);
  });
});

describe("GET /api/auth/me/export/", () => {
  it("is an attachment with everything stored and no secret", async () => {
    const account = await register(app, "exporter");
    const me = await signInWithTotp(app, account.email);
    const res = await me.call("GET", "/api/auth/me/export/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="gatehouse-account-\d+-\d{4}-\d\d-\d\d\.json"$/);
    expect(res.body.account).toMatchObject({ id: account.id, username: "exporter", email: account.email, email_verified: true });
    expect(res.body.two_step).toMatchObject({ totp: true, recovery_codes_left: 10 });
    expect(res.body.sessions.length).toBe(2);
    expect(res.body.activity.map((e: { type: string }) => e.type)).toContain("mfa_enabled");
    const text = JSON.stringify(res.body);
    const secrets = [
      (await app.db().get<{ password_hash: string }>("select password_hash from users where id = ?", account.id))!.password_hash,
      (await app.db().get<{ encrypted_secret: string }>("select encrypted_secret from totp_credentials where user_id = ?", account.id))!.encrypted_secret,
      me.secret,
      ...(await app.db().all<{ code_hash: string }>("select code_hash from recovery_codes where user_id = ?", account.id)).map((r) => r.code_hash),
      ...(await app.db().all<{ token_hash: string }>("select token_hash from refresh_tokens where session_id in (select id from sessions where user_id = ?)", account.id)).map((r) => r.token_hash),
      me.client.cookies.get("refresh_token")!,
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

describe("DELETE /api/auth/me/", () => {
  it("erases the account in every table, refuses its tokens at once, says goodbye, and frees the address and the name", async () => {
    const account = await register(app, "leaving_user");
    // Rows keyed by the address in the limiters' table, from a wrong password.
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email: account.email, password: "not my password" })).status).toBe(400);
    const me = await signIn(app, account.email);
    const phone = await signIn(app, account.email);
    await me.call("POST", "/api/auth/email/change/", { email: "leaving.elsewhere@example.com" });
    await me.call("PATCH", "/api/auth/me/", { username: "leaving_renamed" });

    const mismatch = await me.call("DELETE", "/api/auth/me/", { confirm: "someone@example.com" });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({ confirm: ["This is not your account's email address."] });
    const before = app.mail.messages.length;
    const res = await me.call("DELETE", "/api/auth/me/", { confirm: account.email.toUpperCase() });
    expect(res.status).toBe(204);
    expect(res.setCookies.some((c) => /^refresh_token=;.*Max-Age=0/i.test(c))).toBe(true);
    expect((await me.call("GET", "/api/auth/me/")).status).toBe(401);
    expect((await phone.call("GET", "/api/auth/me/")).status).toBe(401);
    expect((await phone.client.post("/api/auth/token/refresh/")).status).toBe(401);
    const goodbye = await mailTo(account.email, /was deleted/i, before);
    expect(goodbye.text).toContain("deleted");

    // Every table: no row names the account, by id or address, but the audit (none here). The goodbye's row goes once delivered.
    await expect.poll(async () => (await app.db().all("select id from emails where forget_after_delivery = true")).length).toBe(0);
    const tables = await tableNames(app);
    expect(tables).toEqual(expect.arrayContaining(["users", "sessions", "refresh_tokens", "emails", "rate_limits", "security_events", "email_changes", "admin_audit", "totp_credentials"]));
    for (const table of tables) {
      const rows = await app.db().all<Record<string, unknown>>(`select * from ${table}`);
      const left = rows.filter((row) => {
        const text = JSON.stringify(row).toLowerCase();
        return (
          text.includes(account.email) ||
          text.includes("leaving.elsewhere") ||
          text.includes("leaving_") ||
          Object.entries(row).some(([k, v]) => (k === "user_id" || k === "account_id" || (k === "id" && table === "users") || (k === "sub" && table === "backchannel_logouts")) && Number(v) === account.id)
        );
      });
      expect(left, table).toEqual([]);
    }

    const again = new ApiClient(app.url);
    expect((await again.post("/api/auth/register/", { username: "leaving_renamed", email: account.email, password: PASSWORD })).status).toBe(201);
    const verification = await mailTo(account.email, /verify your email/i, before);
    expect((await again.get(`/api/auth/verify-email/?token=${tokenOf(linkIn(verification, `${app.url}/verify-email/?token=`))}`)).status).toBe(200);
  });

  it("needs a recent sign-in", async () => {
    const account = await register(app, "stale_leaver");
    const me = await signIn(app, account.email);
    await ageSessions(app, account.id);
    const res = await me.call("DELETE", "/api/auth/me/", { confirm: account.email });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("reauthentication_required");
    expect((await me.call("GET", "/api/auth/me/")).status).toBe(200);
  });

  it("erases once under a burst of deletes: one 204, the others refused, one goodbye", async () => {
    const account = await register(app, "burst_leaver");
    const me = await signIn(app, account.email);
    const before = app.mail.messages.length;
    const answers = await Promise.all(Array.from({ length: 4 }, () => me.call("DELETE", "/api/auth/me/", { confirm: account.email })));
    expect(answers.map((r) => r.status).sort()).toEqual([204, 401, 401, 401]);
    await mailTo(account.email, /was deleted/i, before);
    expect(app.mail.messages.slice(before).filter((m) => /was deleted/.test(m.subject))).toHaveLength(1);
    expect(app.logs()).not.toMatch(/unhandled error/);
  });

  it("refuses the last administrator (409 last_admin)", async () => {
    const account = await register(app, "only_admin");
    await app.db().run("update users set role = 'admin' where id = ?", account.id);
    const me = await signInWithTotp(app, account.email);
    const res = await me.call("DELETE", "/api/auth/me/", { confirm: account.email });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("last_admin");
    expect((await me.call("GET", "/api/auth/me/")).body).toMatchObject({ is_admin: true });
    await app.db().run("update users set role = 'user' where id = ?", account.id);
  });
});
