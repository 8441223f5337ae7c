import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient, parseSetCookie } from "../support/client";
import { linkIn, startFakeResend, type FakeResend } from "../support/fake-resend";

// The whole email/password journey against the built app, with the real Resend SDK
// talking to a fake Resend API that checks the key and the body.

let app: RunningApp;
let resend: FakeResend;

beforeAll(async () => {
  resend = await startFakeResend();
  app = await startApp({ env: { RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url } });
});

afterAll(async () => {
  await app?.stop();
  await resend?.stop();
});

describe("register → verify → login → me → refresh → logout", () => {
  it("walks the whole journey", async () => {
    const client = new ApiClient(app.url);
    const password = "a long and unusual passphrase";

    const registered = await client.post("/api/auth/register/", {
      username: "journey",
      email: "Journey@Example.COM",
      password,
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({ message: "Registered. Please verify email." });
    expect(JSON.stringify(registered.body)).not.toMatch(/token/i);

    // Stored trimmed with the domain lower-cased; the local part is kept.
    const email = await resend.waitForEmail("Journey@example.com", { subject: /verify/i });
    expect(email.to).toEqual(["Journey@example.com"]);
    expect(email.html).toContain("<a href=");
    expect(email.text).toMatch(/expires in 24 hours/);
    const link = linkIn(email, `${app.url}/verify-email/?token=`);
    const token = new URL(link).searchParams.get("token")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const verified = await client.get(`/api/auth/verify-email/?token=${encodeURIComponent(token)}`);
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ message: "Email verified" });

    const login = await client.post("/api/auth/login/", { email: "journey@example.com", password });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual({
      id: expect.any(Number),
      username: "journey",
      email: "Journey@example.com",
      email_verified: true,
    });
    expect(login.body).not.toHaveProperty("refresh");
    const cookie = parseSetCookie(login.setCookies.find((c) => c.startsWith("refresh_token="))!);
    expect(cookie.attributes).toMatchObject({ httponly: true, samesite: "lax", path: "/api/auth/", "max-age": "1209600" });
    expect(cookie.attributes.secure).toBeUndefined(); // http APP_URL
    expect(cookie.value.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url

    const me = await client.get("/api/auth/me/", { authorization: `Bearer ${login.body.access}` });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ ...login.body.user, providers: [] });

    const refreshed = await client.post("/api/auth/token/refresh/");
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.body)).toEqual(["access"]);
    // The rotated refresh cookie, and the pages' session hint renewed with it (docs/decisions/036).
    expect(refreshed.setCookies.map((c) => parseSetCookie(c).name).sort()).toEqual(["has_session", "refresh_token"]);
    expect(client.cookies.get("refresh_token")).not.toBe(cookie.value);

    const meAgain = await client.get("/api/auth/me/", { authorization: `Bearer ${refreshed.body.access}` });
    expect(meAgain.status).toBe(200);

    const refreshBeforeLogout = client.cookies.get("refresh_token")!;
    const logout = await client.post("/api/auth/logout/");
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ detail: "Logged out" });
    const cleared = parseSetCookie(logout.setCookies.find((c) => c.startsWith("refresh_token="))!);
    expect(cleared).toMatchObject({ name: "refresh_token", value: "" });
    expect(cleared.attributes).toMatchObject({ path: "/api/auth/", "max-age": "0" });
    expect(parseSetCookie(logout.setCookies.find((c) => c.startsWith("has_session="))!).attributes).toMatchObject({ path: "/", "max-age": "0" });

    // Logout takes effect at once on this app's endpoints, not at the token's expiry.
    for (const access of [login.body.access, refreshed.body.access]) {
      const refused = await client.get("/api/auth/me/", { authorization: `Bearer ${access}` });
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ detail: "Given token not valid for any token type", code: "token_not_valid" });
    }
    const refreshRefused = await client.request("POST", "/api/auth/token/refresh/", {
      headers: { cookie: `refresh_token=${refreshBeforeLogout}` },
      cookies: false,
    });
    expect(refreshRefused.status).toBe(401);
    expect(refreshRefused.body).toEqual({ detail: "Invalid refresh token", code: "token_not_valid" });
    expect(refreshRefused.setCookies.map((c) => parseSetCookie(c).attributes["max-age"])).toEqual(["0", "0"]);
  });

  it("sends every email through Resend with the configured key and nothing refused", () => {
    expect(resend.refusals).toEqual([]);
    expect(resend.messages.every((m) => m.from === "Gatehouse <no-reply@localhost>")).toBe(true);
  });

  it("keeps passwords, tokens and the API key out of the server log", async () => {
    const log = app.logs();
    expect(log).toContain("request");
    expect(log).not.toContain("a long and unusual passphrase");
    expect(log).not.toContain(resend.apiKey);
    const row = (await app.db().get("select count(*) as n from refresh_tokens")) as { n: number };
    expect(row.n).toBeGreaterThan(0);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/); // no JWT
  });
});
