import { describe, expect, it } from "vitest";
import * as login from "@/app/api/auth/login/route";
import * as me from "@/app/api/auth/me/route";
import * as refresh from "@/app/api/auth/token/refresh/route";
import * as register from "@/app/api/auth/register/route";
import * as verifyEmail from "@/app/api/auth/verify-email/route";
import { allEmails, createUser, PASSWORD } from "../unit/helpers";
import { apiRequest, call, runAfterTasks } from "../support/handlers";

// docs/api.md's error shapes, as the handlers answer them: field errors
// `{"field": ["msg"]}`, `{"non_field_errors": [...]}`, and `{"detail": ...}`.

const post = (handler: typeof login.POST, path: string, json: unknown) => call(handler, apiRequest(path, { json }));

describe("field errors", () => {
  it("name each wrongly typed field, never 500", async () => {
    for (const body of [
      { username: 123, email: ["a@b.co"], password: { p: 1 } },
      { username: null, email: true, password: 12345678 },
    ]) {
      const res = await post(register.POST, "/api/auth/register/", body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body).sort()).toEqual(["email", "password", "username"]);
      for (const messages of Object.values(res.body)) expect(messages).toEqual([expect.any(String)]);
    }
    const res = await post(login.POST, "/api/auth/login/", { email: 5 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ email: ["Not a valid string."], password: ["This field is required."] });
  });

  it("refuse a username already taken, without regard to case", async () => {
    await createUser({ username: "Taken", email: "taken1@example.com" });
    const res = await post(register.POST, "/api/auth/register/", { username: "tAKEN", email: "taken2@example.com", password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ username: ["A user with that username already exists."] });
  });

  it("say why a password is refused", async () => {
    const cases: Array<[object, string]> = [
      [{ username: "pwuser", password: "password123" }, "This password is too common."],
      [{ username: "Quiet.Harbor77", password: "quiet.harbor77" }, "This password is the same as your username."],
      [{ username: "pwuser", password: "short" }, "Ensure this field has at least 8 characters."],
      [{ username: "pwuser", password: "x".repeat(129) }, "Ensure this field has no more than 128 characters."],
    ];
    for (const [body, message] of cases) {
      const res = await post(register.POST, "/api/auth/register/", { email: "pw@example.com", ...body });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ password: [message] });
    }
  });
});

describe("non_field_errors", () => {
  it("refuse a body that is not a JSON object", async () => {
    for (const [body, type] of [[[1, 2], "list"], ["text", "string"], [42, "number"], [null, "null"]] as const) {
      const res = await post(login.POST, "/api/auth/login/", body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] });
    }
  });

  it("answer an unknown email and a wrong password alike, with no cookie", async () => {
    await createUser({ email: "known@example.com" });
    const unknown = await post(login.POST, "/api/auth/login/", { email: "nobody@example.com", password: PASSWORD });
    const wrong = await post(login.POST, "/api/auth/login/", { email: "known@example.com", password: "not the password" });
    for (const res of [unknown, wrong]) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ non_field_errors: ["Invalid credentials"] });
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });
});

describe("detail", () => {
  it("explains a missing or bad access token in simplejwt's words", async () => {
    const none = await call(me.GET, apiRequest("/api/auth/me/"));
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: "Authentication credentials were not provided." });
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    const bad = await call(me.GET, apiRequest("/api/auth/me/", { headers: { authorization: "Bearer not-a-jwt" } }));
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ detail: "Given token not valid for any token type", code: "token_not_valid" });
  });

  it("refuses missing, malformed and unknown verification tokens with 400", async () => {
    for (const query of ["", "?token=", "?token=%00%ff", "?token=short", `?token=${"A".repeat(43)}`, "?token=a&token=b", `?token=${"x".repeat(5000)}`]) {
      const res = await call(verifyEmail.GET, apiRequest(`/api/auth/verify-email/${query}`));
      expect(res.status, query).toBe(400);
      expect(res.body).toEqual({ detail: "Invalid or expired token" });
    }
  });

  it("asks for the refresh cookie", async () => {
    const res = await call(refresh.POST, apiRequest("/api/auth/token/refresh/", { method: "POST" }));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: "No refresh token" });
  });
});

describe("a whole exchange in-process", () => {
  it("registers, sends the email after answering, and signs in with a refresh cookie", async () => {
    const res = await post(register.POST, "/api/auth/register/", { username: "newcomer", email: "new@example.com", password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ message: "Registered. Please verify email." });
    // No RESEND_API_KEY here: the message stays in the outbox (the development mailbox),
    // and the deferred delivery finds nothing to send.
    await runAfterTasks();
    expect((await allEmails()).map((e) => [e.to, e.status])).toEqual([["new@example.com", "mailbox"]]);

    const signedIn = await post(login.POST, "/api/auth/login/", { email: "new@example.com", password: PASSWORD });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ username: "newcomer", email_verified: false });
    const cookie = signedIn.response.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^refresh_token=[^;]+; Path=\/api\/auth\/; .*HttpOnly/i);

    const profile = await call(me.GET, apiRequest("/api/auth/me/", { headers: { authorization: `Bearer ${signedIn.body.access}` } }));
    expect(profile.status).toBe(200);
    expect(profile.body.email).toBe("new@example.com");

    const rotated = await call(refresh.POST, apiRequest("/api/auth/token/refresh/", { method: "POST", headers: { cookie: cookie.split(";")[0]! } }));
    expect(rotated.status).toBe(200);
    expect(rotated.body.access).toEqual(expect.any(String));
  });
});
