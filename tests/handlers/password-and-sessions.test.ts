import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessApp, type InProcessApp } from "../support/in-process-app";
import { ApiClient } from "../support/client";
import { linkIn, startFakeResend, type FakeResend } from "../support/fake-resend";

// Password reset and change, and the sessions (devices) endpoints (docs/api.md; docs/security.md:
// a password change or reset revokes every other session; users can list and revoke).

let app: InProcessApp;
let resend: FakeResend;
const PASSWORD = "copper kettle whistling";
const NEW_PASSWORD = "saffron glacier parade";

beforeAll(async () => {
  resend = await startFakeResend();
  app = await startInProcessApp({ env: { RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url } });
});

afterAll(async () => {
  await app?.stop();
  await resend?.stop();
});

let counter = 0;
async function newAccount() {
  counter += 1;
  const email = `pw${counter}@example.com`;
  const first = new ApiClient(app.url);
  await first.post("/api/auth/register/", { username: `pw${counter}`, email, password: PASSWORD });
  const signIn = async () => {
    const client = new ApiClient(app.url);
    const res = await client.post("/api/auth/login/", { email, password: PASSWORD }, { "user-agent": `device-${Math.random()}` });
    expect(res.status).toBe(200);
    return { client, access: res.body.access as string };
  };
  return { email, signIn };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function resetToken(email: string, after: number): Promise<string> {
  const mail = await resend.waitForEmail(email, { after, subject: /reset your password/i });
  return new URL(linkIn(mail, `${app.url}/reset-password/?token=`)).searchParams.get("token")!;
}

describe("password reset", () => {
  it("answers the same for known and unknown addresses, and mails only the known one", async () => {
    const { email } = await newAccount();
    const before = resend.messages.length;
    const known = await new ApiClient(app.url).post("/api/auth/password/reset/", { email });
    const unknown = await new ApiClient(app.url).post("/api/auth/password/reset/", { email: "no-one-here@example.com" });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.body).toEqual({ message: "If that account exists, we sent a link to reset its password." });
    expect(unknown.body).toEqual(known.body);
    await resetToken(email, before);
    expect(resend.messages.slice(before).some((m) => JSON.stringify(m.to).includes("no-one-here"))).toBe(false);
  });

  it("sets the password, verifies the email, ends every session, does not sign in, and notifies", async () => {
    const { email, signIn } = await newAccount();
    const phone = await signIn();
    const before = resend.messages.length;
    await new ApiClient(app.url).post("/api/auth/password/reset/", { email });
    const token = await resetToken(email, before);

    const confirm = await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token, password: NEW_PASSWORD });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toEqual({ message: "Password updated" });
    expect(confirm.setCookies).toEqual([]);

    expect((await phone.client.get("/api/auth/me/", bearer(phone.access))).status).toBe(401);
    expect((await phone.client.post("/api/auth/token/refresh/")).status).toBe(401);
    const oldPassword = await new ApiClient(app.url).post("/api/auth/login/", { email, password: PASSWORD });
    expect(oldPassword.status).toBe(400);
    const login = await new ApiClient(app.url).post("/api/auth/login/", { email, password: NEW_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.user.email_verified).toBe(true);
    await resend.waitForEmail(email, { after: before, subject: /password was changed/i });

    const again = await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token, password: "another fine phrase" });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ detail: "Invalid or expired token" });
  });

  it("lets a newer request supersede an older link, and refuses expired and malformed tokens", async () => {
    const { email } = await newAccount();
    const client = new ApiClient(app.url);
    let before = resend.messages.length;
    await client.post("/api/auth/password/reset/", { email });
    const older = await resetToken(email, before);
    before = resend.messages.length;
    await client.post("/api/auth/password/reset/", { email });
    const newer = await resetToken(email, before);
    expect((await client.post("/api/auth/password/reset/confirm/", { token: older, password: NEW_PASSWORD })).status).toBe(400);

    await app.db().run("update password_reset_tokens set expires_at = ? where used_at is null", Date.now() - 1);
    const expired = await client.post("/api/auth/password/reset/confirm/", { token: newer, password: NEW_PASSWORD });
    expect(expired.body).toEqual({ detail: "Invalid or expired token" });
    for (const token of ["", "short", "x".repeat(500), 42]) {
      const res = await client.post("/api/auth/password/reset/confirm/", { token, password: NEW_PASSWORD });
      expect(res.status).toBe(400);
    }
  });

  it("applies the password rules to the new password", async () => {
    const { email } = await newAccount();
    const before = resend.messages.length;
    await new ApiClient(app.url).post("/api/auth/password/reset/", { email });
    const token = await resetToken(email, before);
    const common = await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token, password: "qwertyuiop" });
    expect(common.body).toEqual({ password: ["This password is too common."] });
    const short = await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token, password: "short" });
    expect(short.body).toEqual({ password: ["Ensure this field has at least 8 characters."] });
    // The token survived the refusals.
    expect((await new ApiClient(app.url).post("/api/auth/password/reset/confirm/", { token, password: NEW_PASSWORD })).status).toBe(200);
  });
});

describe("password change", () => {
  it("needs the current password, keeps this session and ends the others", async () => {
    const { email, signIn } = await newAccount();
    const laptop = await signIn();
    const phone = await signIn();
    const wrong = await laptop.client.post(
      "/api/auth/password/change/",
      { current_password: "not it at all", new_password: NEW_PASSWORD },
      bearer(laptop.access),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ current_password: ["Incorrect password"] });

    const before = resend.messages.length;
    const changed = await laptop.client.post(
      "/api/auth/password/change/",
      { current_password: PASSWORD, new_password: NEW_PASSWORD },
      bearer(laptop.access),
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ message: "Password updated" });
    expect((await laptop.client.get("/api/auth/me/", bearer(laptop.access))).status).toBe(200);
    expect((await phone.client.get("/api/auth/me/", bearer(phone.access))).status).toBe(401);
    expect((await new ApiClient(app.url).post("/api/auth/login/", { email, password: NEW_PASSWORD })).status).toBe(200);
    await resend.waitForEmail(email, { after: before, subject: /password was changed/i });
  });

  it("requires a Bearer token", async () => {
    const res = await new ApiClient(app.url).post("/api/auth/password/change/", { current_password: "a", new_password: NEW_PASSWORD });
    expect(res.status).toBe(401);
  });
});

describe("sessions", () => {
  it("lists live sessions newest first, marking the current one", async () => {
    const { signIn } = await newAccount();
    const older = await signIn();
    const newer = await signIn();
    const res = await newer.client.get("/api/auth/sessions/", bearer(newer.access));
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    expect(res.body.map((s: { current: boolean }) => s.current)).toEqual([true, false]);
    expect(res.body[0]).toEqual({
      id: expect.any(String),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      last_used_at: expect.any(String),
      user_agent: expect.stringMatching(/^device-/),
      ip: "127.0.0.1",
      current: true,
    });
    await older.client.post("/api/auth/logout/");
    const after = await newer.client.get("/api/auth/sessions/", bearer(newer.access));
    expect(after.body).toHaveLength(1);
  });

  it("revokes one session, 404 for someone else's, and revokes the others", async () => {
    const alice = await newAccount();
    const bob = await newAccount();
    const a1 = await alice.signIn();
    const a2 = await alice.signIn();
    const a3 = await alice.signIn();
    const b1 = await bob.signIn();
    const list = (await a1.client.get("/api/auth/sessions/", bearer(a1.access))).body as Array<{ id: string; current: boolean }>;
    const a2Id = list.find((s) => !s.current)!.id;

    const foreign = await b1.client.request("DELETE", `/api/auth/sessions/${a2Id}/`, { headers: bearer(b1.access) });
    expect(foreign.status).toBe(404);
    const deleted = await a1.client.request("DELETE", `/api/auth/sessions/${a2Id}/`, { headers: bearer(a1.access) });
    expect(deleted.status).toBe(204);
    const remaining = (await a1.client.get("/api/auth/sessions/", bearer(a1.access))).body as Array<{ id: string }>;
    expect(remaining.map((s) => s.id)).not.toContain(a2Id);
    expect(remaining).toHaveLength(2);

    const others = await a1.client.post("/api/auth/sessions/revoke-others/", undefined, bearer(a1.access));
    expect(others.status).toBe(200);
    expect(others.body).toEqual({ revoked: 1 });
    expect((await a3.client.get("/api/auth/me/", bearer(a3.access))).status).toBe(401);
    expect((await a2.client.get("/api/auth/me/", bearer(a2.access))).status).toBe(401);
    expect((await a1.client.get("/api/auth/me/", bearer(a1.access))).status).toBe(200);
    expect((await b1.client.get("/api/auth/me/", bearer(b1.access))).status).toBe(200);
  });

  it("treats revoking the current session as a logout", async () => {
    const { signIn } = await newAccount();
    const me = await signIn();
    const [current] = (await me.client.get("/api/auth/sessions/", bearer(me.access))).body as Array<{ id: string }>;
    const res = await me.client.request("DELETE", `/api/auth/sessions/${current!.id}/`, { headers: bearer(me.access) });
    expect(res.status).toBe(204);
    expect(res.setCookies.some((c) => /^refresh_token=;.*Max-Age=0/i.test(c))).toBe(true);
    expect((await me.client.get("/api/auth/me/", bearer(me.access))).status).toBe(401);
  });
});
