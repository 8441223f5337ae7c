import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as emailChange from "@/app/api/auth/email/change/route";
import * as emailChangeCancel from "@/app/api/auth/email/change/cancel/route";
import * as login from "@/app/api/auth/login/route";
import * as me from "@/app/api/auth/me/route";
import * as meExport from "@/app/api/auth/me/export/route";
import * as register from "@/app/api/auth/register/route";
import * as verifyEmail from "@/app/api/auth/verify-email/route";
import * as verifyEmailCheck from "@/app/api/auth/verify-email/check/route";
import { getDb } from "@/lib/db";
import { emails, passkeys, recoveryCodes, socialAccounts, totpCredentials, users } from "@/db/schema";
import { deliverEmail } from "@/lib/email/send";
import { startFakeResend } from "../support/fake-resend";
import { ageSessions, signedIn } from "../support/handler-accounts";
import { apiRequest, call, runAfterTasks } from "../support/handlers";
import { allEmails, PASSWORD, rawRows, setEnv, withRawConnection } from "../unit/helpers";

// The account's own lifecycle (docs/api.md), on the handlers one at a time; each line
// through the API as a client sees it, with the fake Resend: account-lifecycle-api.test.ts.

const req = (path: string, method: string, headers: Record<string, string>, json?: unknown) => apiRequest(path, { method, headers, json });
const linkToken = (text: string | null, path: string) => new RegExp(`${path.replace(/[/?]/g, "\\$&")}\\?token=([A-Za-z0-9_-]+)`).exec(text ?? "")?.[1] ?? null;

describe("PATCH /api/auth/me/", () => {
  it("changes the username under register's rules, its own case included, and records it", async () => {
    const a = await signedIn({ username: "Aster" });
    await signedIn({ username: "Borage" });
    const taken = await call(me.PATCH, req("/api/auth/me/", "PATCH", a.headers, { username: "bORAGE" }));
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ username: ["A user with that username already exists."] });
    const bad = await call(me.PATCH, req("/api/auth/me/", "PATCH", a.headers, { username: "no spaces" }));
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body)).toEqual(["username"]);
    const recased = await call(me.PATCH, req("/api/auth/me/", "PATCH", a.headers, { username: "ASTER" }));
    expect(recased.status).toBe(200);
    expect(recased.body).toEqual({ id: a.user.id, username: "ASTER", email: a.user.email, email_verified: true, providers: [] });
    const events = rawRows("security_events").filter((e) => e.type === "username_changed");
    expect(events.map((e) => JSON.parse(e.detail as string))).toEqual([{ from: "Aster", to: "ASTER" }]);
    expect((await call(me.PATCH, req("/api/auth/me/", "PATCH", {}, { username: "x" }))).status).toBe(401);
  });
});

describe("POST /api/auth/email/change/", () => {
  const ask = (who: { headers: Record<string, string> }, email: string) => call(emailChange.POST, req("/api/auth/email/change/", "POST", who.headers, { email }));

  it("needs a recent sign-in, and says nothing to an address the account has already", async () => {
    const a = await signedIn({ email: "own@example.com" });
    expect((await ask(a, "OWN@example.com")).status).toBe(202);
    expect(await allEmails()).toEqual([]);
    await ageSessions(a.user.id);
    const stale = await ask(a, "new@example.com");
    expect(stale.status).toBe(403);
    expect(stale.body.code).toBe("reauthentication_required");
    expect(await allEmails()).toEqual([]);
  });

  it("shows the pending change until its link is used, supersedes an older one, and can be withdrawn", async () => {
    const a = await signedIn();
    await ask(a, "first@example.com");
    const firstToken = linkToken((await allEmails()).find((m) => m.to === "first@example.com")!.text, "/verify-email/");
    await ask(a, "second@example.com");
    const pending = await call(emailChange.GET, req("/api/auth/email/change/", "GET", a.headers));
    expect(pending.body).toEqual({ pending: { email: "second@example.com", expires_at: expect.any(String) } });
    // The older link was superseded: it verifies nothing.
    const older = await call(verifyEmail.POST, apiRequest("/api/auth/verify-email/", { json: { token: firstToken } }));
    expect(older.status).toBe(400);
    expect((await call(emailChange.DELETE, req("/api/auth/email/change/", "DELETE", a.headers))).status).toBe(204);
    expect((await call(emailChange.GET, req("/api/auth/email/change/", "GET", a.headers))).body).toEqual({ pending: null });
    const secondToken = linkToken((await allEmails()).find((m) => m.to === "second@example.com")!.text, "/verify-email/");
    expect((await call(verifyEmail.POST, apiRequest("/api/auth/verify-email/", { json: { token: secondToken } }))).status).toBe(400);
    const [row] = await getDb().select({ email: users.email }).from(users).where(eq(users.id, a.user.id));
    expect(row!.email).toBe(a.user.email);
  });

  it("counts its mails toward the new address's hourly cap, and past it records and sends nothing", async () => {
    setEnv({ RATE_LIMIT_EMAIL_PER_ADDRESS: "2" });
    const a = await signedIn();
    for (let i = 0; i < 3; i++) await ask(a, "capped@example.com");
    const toNew = (await allEmails()).filter((m) => m.to === "capped@example.com");
    expect(toNew).toHaveLength(2);
    expect(toNew.every((m) => m.capped)).toBe(true);
    // The notice to the current address is never held back (a filled cap must not silence it).
    expect((await allEmails()).filter((m) => m.to === a.user.email)).toHaveLength(2);
    expect(rawRows("email_changes")).toHaveLength(2);
  });

  it("keeps a provider of the old address only when the provider verified it", async () => {
    const a = await signedIn({ email: "keep@example.com" });
    await getDb().insert(socialAccounts).values([
      { userId: a.user.id, provider: "github", providerUserId: "1", email: "keep@example.com", profile: { email_verified: true } },
      { userId: a.user.id, provider: "google", providerUserId: "2", email: "KEEP@example.com", profile: { email_verified: false } },
    ]);
    await ask(a, "moved@example.com");
    const token = linkToken((await allEmails()).find((m) => m.to === "moved@example.com")!.text, "/verify-email/");
    expect((await call(verifyEmail.POST, apiRequest("/api/auth/verify-email/", { json: { token } }))).status).toBe(200);
    const left = await getDb().select({ provider: socialAccounts.provider }).from(socialAccounts).where(eq(socialAccounts.userId, a.user.id));
    expect(left).toEqual([{ provider: "github" }]);
    const changed = rawRows("security_events").find((e) => e.type === "email_changed")!;
    expect(JSON.parse(changed.detail as string)).toEqual({ from: "keep@example.com", to: "moved@example.com", providers_removed: ["google"] });
  });

  it("refuses a link whose new address got an account meanwhile, and a cancel does not undo onto a taken address", async () => {
    const a = await signedIn({ email: "mine@example.com" });
    await ask(a, "late@example.com");
    const token = linkToken((await allEmails()).find((m) => m.to === "late@example.com")!.text, "/verify-email/");
    await call(register.POST, apiRequest("/api/auth/register/", { json: { username: "latecomer", email: "late@example.com", password: PASSWORD } }));
    expect((await call(verifyEmail.POST, apiRequest("/api/auth/verify-email/", { json: { token } }))).status).toBe(400);

    await ask(a, "next@example.com");
    const messages = await allEmails();
    const confirm = linkToken(messages.find((m) => m.to === "next@example.com")!.text, "/verify-email/");
    const cancel = linkToken(messages.filter((m) => m.to === "mine@example.com").at(-1)!.text, "/email-change/cancel/");
    expect((await call(verifyEmail.POST, apiRequest("/api/auth/verify-email/", { json: { token: confirm } }))).status).toBe(200);
    // Someone registers the old address, now free; the undo cannot give it back, but still ends every session.
    await call(register.POST, apiRequest("/api/auth/register/", { json: { username: "squatter", email: "mine@example.com", password: PASSWORD } }));
    const undone = await call(emailChangeCancel.POST, apiRequest("/api/auth/email/change/cancel/", { json: { token: cancel } }));
    expect(undone.status).toBe(200);
    expect(undone.body.message).toMatch(/cancelled/);
    const [row] = await getDb().select({ email: users.email }).from(users).where(eq(users.id, a.user.id));
    expect(row!.email).toBe("next@example.com");
    expect((await call(me.GET, req("/api/auth/me/", "GET", a.headers))).status).toBe(401);
  });

  it("answers an address that has an account like any other: no link to it, only the registration notice", async () => {
    const owner = await signedIn({ email: "owner@example.com" });
    const a = await signedIn({ email: "asker@example.com" });
    const taken = await ask(a, "OWNER@example.com");
    const free = await ask(a, "free@example.com");
    expect([taken.status, taken.body]).toEqual([free.status, free.body]);
    const toOwner = (await allEmails()).filter((m) => m.to === owner.user.email);
    expect(toOwner.map((m) => m.subject)).toEqual(["Someone tried to register with your email address"]);
    expect(toOwner[0]!.text).not.toMatch(/token=/);
    // The asker's side looks the same for both: a notice each, a pending change.
    expect((await allEmails()).filter((m) => m.to === a.user.email).map((m) => m.subject)).toEqual(["Your email address is about to change", "Your email address is about to change"]);
    expect(rawRows("email_changes")).toHaveLength(2);
  });

  it("undoes a confirmed change from the old address's link, and signs everyone out", async () => {
    const a = await signedIn({ email: "original@example.com" });
    await ask(a, "hijacked@example.com");
    const messages = await allEmails();
    const confirm = linkToken(messages.find((m) => m.to === "hijacked@example.com")!.text, "/verify-email/");
    const cancel = linkToken(messages.find((m) => m.to === "original@example.com")!.text, "/email-change/cancel/");
    expect((await call(verifyEmail.POST, apiRequest("/api/auth/verify-email/", { json: { token: confirm } }))).status).toBe(200);
    const undone = await call(emailChangeCancel.POST, apiRequest("/api/auth/email/change/cancel/", { json: { token: cancel } }));
    expect(undone.body.message).toMatch(/undone/);
    const [row] = await getDb().select({ email: users.email, verified: users.emailVerified }).from(users).where(eq(users.id, a.user.id));
    expect(row).toEqual({ email: "original@example.com", verified: true });
    expect((await call(me.GET, req("/api/auth/me/", "GET", a.headers))).status).toBe(401);
    expect(rawRows("sessions").filter((x) => x.revoked_at === null)).toEqual([]);
  });

  it("words the verification page for a change, and tells a second click it is done", async () => {
    const a = await signedIn();
    await ask(a, "page@example.com");
    const token = linkToken((await allEmails()).find((m) => m.to === "page@example.com")!.text, "/verify-email/");
    const before = await call(verifyEmailCheck.POST, apiRequest("/api/auth/verify-email/check/", { json: { token } }));
    expect(before.body).toEqual({ state: "ready", purpose: "email_change" });
    expect((await call(verifyEmail.GET, apiRequest(`/api/auth/verify-email/?token=${token}`))).status).toBe(200);
    const after = await call(verifyEmailCheck.POST, apiRequest("/api/auth/verify-email/check/", { json: { token } }));
    expect(after.body).toEqual({ state: "verified", purpose: "email_change" });
    // The seed's GET takes a link once; the page's button says verified again.
    expect((await call(verifyEmail.GET, apiRequest(`/api/auth/verify-email/?token=${token}`))).status).toBe(400);
    expect((await call(verifyEmail.POST, apiRequest("/api/auth/verify-email/", { json: { token } }))).status).toBe(200);
  });
});

describe("GET /api/auth/me/export/", () => {
  it("holds everything stored about the user and none of its secrets", async () => {
    const a = await signedIn({ email: "export@example.com" });
    await getDb().insert(socialAccounts).values({ userId: a.user.id, provider: "github", providerUserId: "77", email: "export@example.com", profile: { login: "exp", email_verified: true } });
    await getDb().insert(totpCredentials).values({ userId: a.user.id, encryptedSecret: "v1.sealed-secret-do-not-show", confirmedAt: new Date() });
    await getDb().insert(recoveryCodes).values({ userId: a.user.id, codeHash: "recovery-hash-do-not-show" });
    await getDb().insert(passkeys).values({
      id: "pk1", userId: a.user.id, credentialId: "credential-id-do-not-show", publicKey: "public-key-do-not-show", deviceType: "multiDevice", userHandle: "handle", name: "Laptop",
    });
    await call(me.PATCH, req("/api/auth/me/", "PATCH", a.headers, { username: "exporter" }));
    const res = await call(meExport.GET, req("/api/auth/me/export/", "GET", a.headers));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="gatehouse-account-${a.user.id}-\\d{4}-\\d\\d-\\d\\d\\.json"$`));
    expect(res.body.account).toMatchObject({ id: a.user.id, username: "exporter", email: "export@example.com", has_password: true, role: "user" });
    expect(res.body.providers).toEqual([expect.objectContaining({ provider: "github", provider_user_id: "77" })]);
    expect(res.body.sessions).toEqual([expect.objectContaining({ id: a.sessionId, revoked_at: null })]);
    expect(res.body.passkeys).toEqual([expect.objectContaining({ name: "Laptop" })]);
    expect(res.body.two_step).toMatchObject({ totp: true, recovery_codes_left: 1 });
    expect(res.body.activity.map((e: { type: string }) => e.type)).toContain("username_changed");
    expect(res.body.app_consents).toEqual([]);
    const text = JSON.stringify(res.body);
    const [row] = await getDb().select().from(users).where(eq(users.id, a.user.id));
    for (const secret of [row!.passwordHash!, "sealed-secret", "recovery-hash", "credential-id-do-not-show", "public-key-do-not-show", a.refreshToken]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/token_hash|password_hash|code_hash|encrypted_secret/);
  });
});

describe("DELETE /api/auth/me/", () => {
  const erase = (who: { headers: Record<string, string> }, confirm: unknown) => call(me.DELETE, req("/api/auth/me/", "DELETE", who.headers, { confirm }));

  it("needs the account's address typed and a recent sign-in, and changes nothing otherwise", async () => {
    const a = await signedIn({ email: "careful@example.com" });
    expect((await erase(a, "someone@example.com")).body).toEqual({ confirm: ["This is not your account's email address."] });
    expect((await call(me.DELETE, req("/api/auth/me/", "DELETE", a.headers))).body).toEqual({ confirm: ["This field is required."] });
    await ageSessions(a.user.id);
    const stale = await erase(a, "careful@example.com");
    expect(stale.status).toBe(403);
    expect(stale.body.code).toBe("reauthentication_required");
    expect(rawRows("users")).toHaveLength(1);
  });

  it("leaves no row of the account in any table, frees its address and name, and forgets the goodbye once delivered", async () => {
    const resend = await startFakeResend();
    try {
      setEnv({ RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url });
      const a = await signedIn({ email: "Leaving@Example.com", username: "leaver", secondFactor: "totp" });
      const other = await signedIn({ email: "staying@example.com" });
      // A wrong password leaves the address's lockout count in the limiters' table.
      expect((await call(login.POST, apiRequest("/api/auth/login/", { json: { email: "leaving@example.com", password: "not it" } }))).status).toBe(400);
      expect(rawRows("rate_limits").some((r) => String(r.key).includes("leaving@example.com"))).toBe(true);
      await getDb().insert(totpCredentials).values({ userId: a.user.id, encryptedSecret: "x", confirmedAt: new Date() });
      await call(emailChange.POST, req("/api/auth/email/change/", "POST", a.headers, { email: "elsewhere@example.com" }));
      const res = await erase(a, "leaving@example.com");
      expect(res.status).toBe(204);
      // The refresh cookie and the pages' session hint go together (decision 036).
      expect(res.response.headers.getSetCookie()).toEqual([
        expect.stringMatching(/^refresh_token=; Path=\/api\/auth\/; Max-Age=0/),
        expect.stringMatching(/^has_session=; Path=\/; Max-Age=0/),
      ]);
      expect((await call(me.GET, req("/api/auth/me/", "GET", a.headers))).status).toBe(401);

      // Every table of the schema, read raw: nothing names the account, but its goodbye, until delivered.
      const mentions = () =>
        withRawConnection((db) => {
          const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as Array<{ name: string }>).map((t) => t.name);
          expect(tables.length).toBeGreaterThanOrEqual(17);
          return tables.flatMap((table) =>
            (db.prepare(`select * from "${table}"`).all() as Array<Record<string, unknown>>)
              .filter((row) => JSON.stringify(row).toLowerCase().includes("leaving@example.com") || JSON.stringify(row).toLowerCase().includes("leaver") || JSON.stringify(row).includes("elsewhere@") || Object.entries(row).some(([k, v]) => /user_id$/.test(k) && v === a.user.id))
              .map((row) => `${table}: ${String(row.subject ?? row.type ?? row.id)}`),
          );
        });
      expect(mentions()).toEqual(["emails: Your Gatehouse account was deleted"]);
      const [goodbye] = await getDb().select().from(emails).where(eq(emails.forgetAfterDelivery, true));
      await runAfterTasks();
      expect(await deliverEmail(goodbye!.id)).toBe(false); // delivered already, by the after() task
      expect(resend.messages.map((m) => m.subject)).toContain("Your Gatehouse account was deleted");
      expect(mentions()).toEqual([]);
      // The other account is untouched; the address and the name can be registered again.
      expect((await call(me.GET, req("/api/auth/me/", "GET", other.headers))).status).toBe(200);
      const again = await call(register.POST, apiRequest("/api/auth/register/", { json: { username: "LEAVER", email: "leaving@example.com", password: PASSWORD } }));
      expect(again.status).toBe(201);
      expect(rawRows("users").map((u) => u.username).sort()).toEqual(["LEAVER", other.user.username].sort());
    } finally {
      await resend.stop();
    }
  });

  it("deletes the lockout rows of every address the account had, not only its last", async () => {
    const a = await signedIn({ email: "first.address@example.com" });
    const wrong = (email: string) => call(login.POST, apiRequest("/api/auth/login/", { json: { email, password: "not it" } }));
    expect((await wrong("first.address@example.com")).status).toBe(400);
    expect((await call(emailChange.POST, req("/api/auth/email/change/", "POST", a.headers, { email: "second.address@example.com" }))).status).toBe(202);
    const confirm = linkToken((await allEmails()).find((m) => m.to === "second.address@example.com")!.text, "/verify-email/");
    expect((await call(verifyEmail.POST, apiRequest("/api/auth/verify-email/", { json: { token: confirm } }))).status).toBe(200);
    expect((await wrong("second.address@example.com")).status).toBe(400);
    const limits = () => rawRows("rate_limits").map((r) => String(r.key)).filter((k) => k.includes(".address@example.com"));
    expect(limits().some((k) => k.includes("first.address@"))).toBe(true);
    expect(limits().some((k) => k.includes("second.address@"))).toBe(true);
    expect((await erase(a, "second.address@example.com")).status).toBe(204);
    expect(limits()).toEqual([]);
  });

  it("refuses the last administrator with 409 last_admin", async () => {
    const admin = await signedIn({ admin: true, secondFactor: "totp", email: "boss@example.com" });
    const res = await erase(admin, "boss@example.com");
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("last_admin");
    // With another administrator who can act, it goes.
    await signedIn({ admin: true, email: "deputy@example.com" });
    expect((await erase(admin, "boss@example.com")).status).toBe(204);
  });

  it("erases once when two requests race: one 204, the other refused, one goodbye", async () => {
    const a = await signedIn({ email: "twice@example.com" });
    const answers = await Promise.all([erase(a, "twice@example.com"), erase(a, "twice@example.com")]);
    expect(answers.map((r) => r.status).sort()).toEqual([204, 401]);
    expect((await allEmails()).filter((m) => m.subject === "Your Gatehouse account was deleted")).toHaveLength(1);
  });
});
