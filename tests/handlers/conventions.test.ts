import { describe, expect, it } from "vitest";
import * as jwks from "@/app/.well-known/jwks.json/route";
import * as health from "@/app/api/health/route";
import * as openapi from "@/app/api/openapi.json/route";
import * as login from "@/app/api/auth/login/route";
import * as logout from "@/app/api/auth/logout/route";
import * as me from "@/app/api/auth/me/route";
import * as passwordChange from "@/app/api/auth/password/change/route";
import * as passwordReset from "@/app/api/auth/password/reset/route";
import * as passwordResetConfirm from "@/app/api/auth/password/reset/confirm/route";
import * as register from "@/app/api/auth/register/route";
import * as session from "@/app/api/auth/sessions/[id]/route";
import * as sessions from "@/app/api/auth/sessions/route";
import * as revokeOthers from "@/app/api/auth/sessions/revoke-others/route";
import * as social from "@/app/api/auth/social/[provider]/route";
import * as socialCallback from "@/app/api/auth/social/[provider]/callback/route";
import * as refresh from "@/app/api/auth/token/refresh/route";
import * as verifyEmail from "@/app/api/auth/verify-email/route";
import * as verifyEmailCheck from "@/app/api/auth/verify-email/check/route";
import * as passwordResetCheck from "@/app/api/auth/password/reset/check/route";
import * as verifyEmailResend from "@/app/api/auth/verify-email/resend/route";
import * as activity from "@/app/api/auth/activity/route";
import * as apps from "@/app/api/auth/apps/route";
import * as app from "@/app/api/auth/apps/[client_id]/route";
import * as mfa from "@/app/api/auth/mfa/route";
import * as recoveryCodes from "@/app/api/auth/mfa/recovery-codes/route";
import * as totp from "@/app/api/auth/mfa/totp/route";
import * as totpConfirm from "@/app/api/auth/mfa/totp/confirm/route";
import * as totpSetup from "@/app/api/auth/mfa/totp/setup/route";
import * as passkey from "@/app/api/auth/passkeys/[id]/route";
import * as passkeyRegister from "@/app/api/auth/passkeys/register/route";
import * as passkeyRegisterOptions from "@/app/api/auth/passkeys/register/options/route";
import * as reauthenticate from "@/app/api/auth/reauthenticate/route";
import * as mfaVerify from "@/app/api/auth/mfa/verify/route";
import * as passkeyLogin from "@/app/api/auth/passkeys/login/route";
import * as passkeyLoginOptions from "@/app/api/auth/passkeys/login/options/route";
import * as meExport from "@/app/api/auth/me/export/route";
import * as emailChange from "@/app/api/auth/email/change/route";
import * as emailChangeCancel from "@/app/api/auth/email/change/cancel/route";
import * as adminUsers from "@/app/api/admin/users/route";
import * as adminUser from "@/app/api/admin/users/[id]/route";
import * as adminDisable from "@/app/api/admin/users/[id]/disable/route";
import * as adminEnable from "@/app/api/admin/users/[id]/enable/route";
import * as adminSessionsRevoke from "@/app/api/admin/users/[id]/sessions/revoke/route";
import * as adminSecondFactorReset from "@/app/api/admin/users/[id]/second-factor/reset/route";
import * as adminVerifyResend from "@/app/api/admin/users/[id]/verify-email/resend/route";
import * as adminRole from "@/app/api/admin/users/[id]/role/route";
import * as adminAudit from "@/app/api/admin/audit/route";
import { MAX_BODY_BYTES } from "@/lib/http/body";
import { apiRequest, call, params } from "../support/handlers";

// docs/api.md, Conventions, checked on the handlers themselves: bodies (415, 413, 400
// Malformed JSON, wrong types), 405 with Allow on every route, and no-store everywhere.

const PASSWORD = "violet staircase morning";
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof METHODS)[number];
type Handler = (request: any, context: any) => Promise<Response> | Response;

// Every API route file and the methods it serves (docs/api.md's endpoint table).
const ROUTES: Array<{ path: string; module: Partial<Record<Method, Handler>>; serves: string[]; context?: unknown }> = [
  { path: "/.well-known/jwks.json", module: jwks, serves: ["GET", "HEAD"] },
  { path: "/api/health/", module: health, serves: ["GET", "HEAD"] },
  { path: "/api/openapi.json", module: openapi, serves: ["GET", "HEAD"] },
  { path: "/api/auth/login/", module: login, serves: ["POST"] },
  { path: "/api/auth/logout/", module: logout, serves: ["POST"] },
  { path: "/api/auth/me/", module: me, serves: ["GET", "HEAD", "PATCH", "DELETE"] },
  { path: "/api/auth/me/export/", module: meExport, serves: ["GET", "HEAD"] },
  { path: "/api/auth/email/change/", module: emailChange, serves: ["GET", "HEAD", "POST", "DELETE"] },
  { path: "/api/auth/email/change/cancel/", module: emailChangeCancel, serves: ["POST"] },
  { path: "/api/admin/users/", module: adminUsers, serves: ["GET", "HEAD"] },
  { path: "/api/admin/users/1/", module: adminUser, serves: ["GET", "HEAD", "DELETE"], context: params({ id: "1" }) },
  { path: "/api/admin/users/1/disable/", module: adminDisable, serves: ["POST"], context: params({ id: "1" }) },
  { path: "/api/admin/users/1/enable/", module: adminEnable, serves: ["POST"], context: params({ id: "1" }) },
  { path: "/api/admin/users/1/sessions/revoke/", module: adminSessionsRevoke, serves: ["POST"], context: params({ id: "1" }) },
  { path: "/api/admin/users/1/second-factor/reset/", module: adminSecondFactorReset, serves: ["POST"], context: params({ id: "1" }) },
  { path: "/api/admin/users/1/verify-email/resend/", module: adminVerifyResend, serves: ["POST"], context: params({ id: "1" }) },
  { path: "/api/admin/users/1/role/", module: adminRole, serves: ["POST"], context: params({ id: "1" }) },
  { path: "/api/admin/audit/", module: adminAudit, serves: ["GET", "HEAD"] },
  { path: "/api/auth/password/change/", module: passwordChange, serves: ["POST"] },
  { path: "/api/auth/password/reset/", module: passwordReset, serves: ["POST"] },
  { path: "/api/auth/password/reset/confirm/", module: passwordResetConfirm, serves: ["POST"] },
  { path: "/api/auth/register/", module: register, serves: ["POST"] },
  { path: "/api/auth/sessions/", module: sessions, serves: ["GET", "HEAD"] },
  { path: "/api/auth/sessions/1/", module: session, serves: ["DELETE"], context: params({ id: "1" }) },
  { path: "/api/auth/sessions/revoke-others/", module: revokeOthers, serves: ["POST"] },
  { path: "/api/auth/apps/", module: apps, serves: ["GET", "HEAD"] },
  { path: "/api/auth/apps/crm/", module: app, serves: ["DELETE"], context: params({ client_id: "crm" }) },
  { path: "/api/auth/social/github/", module: social, serves: ["GET", "HEAD", "POST", "DELETE"], context: params({ provider: "github" }) },
  { path: "/api/auth/social/github/callback/", module: socialCallback, serves: ["GET", "HEAD"], context: params({ provider: "github" }) },
  { path: "/api/auth/token/refresh/", module: refresh, serves: ["POST"] },
  { path: "/api/auth/verify-email/", module: verifyEmail, serves: ["GET", "HEAD", "POST"] },
  { path: "/api/auth/verify-email/check/", module: verifyEmailCheck, serves: ["POST"] },
  { path: "/api/auth/password/reset/check/", module: passwordResetCheck, serves: ["POST"] },
  { path: "/api/auth/verify-email/resend/", module: verifyEmailResend, serves: ["POST"] },
  { path: "/api/auth/activity/", module: activity, serves: ["GET", "HEAD"] },
  { path: "/api/auth/mfa/", module: mfa, serves: ["GET", "HEAD"] },
  { path: "/api/auth/mfa/recovery-codes/", module: recoveryCodes, serves: ["POST"] },
  { path: "/api/auth/mfa/totp/", module: totp, serves: ["DELETE"] },
  { path: "/api/auth/mfa/totp/confirm/", module: totpConfirm, serves: ["POST"] },
  { path: "/api/auth/mfa/totp/setup/", module: totpSetup, serves: ["POST"] },
  { path: "/api/auth/passkeys/x/", module: passkey, serves: ["DELETE"], context: params({ id: "x" }) },
  { path: "/api/auth/passkeys/register/", module: passkeyRegister, serves: ["POST"] },
  { path: "/api/auth/passkeys/register/options/", module: passkeyRegisterOptions, serves: ["POST"] },
  { path: "/api/auth/reauthenticate/", module: reauthenticate, serves: ["POST"] },
  { path: "/api/auth/mfa/verify/", module: mfaVerify, serves: ["POST"] },
  { path: "/api/auth/passkeys/login/", module: passkeyLogin, serves: ["POST"] },
  { path: "/api/auth/passkeys/login/options/", module: passkeyLoginOptions, serves: ["POST"] },
];

describe("methods", () => {
  it("lists every API route file", async () => {
    const files = Object.keys(import.meta.glob(["/app/api/**/route.ts", "/app/.well-known/**/route.ts"])).length;
    expect(ROUTES).toHaveLength(files);
  });

  for (const route of ROUTES) {
    it(`${route.path} answers 405 with Allow for what it does not serve`, async () => {
      const allow = [...route.serves, "OPTIONS"].join(", ");
      for (const method of METHODS) {
        // Every method has a handler, so none falls through to Next's bare 405.
        const handler = route.module[method];
        expect(handler, `${route.path} exports ${method}`).toBeTypeOf("function");
        if (route.serves.includes(method)) continue;
        const res = await call(handler!, apiRequest(route.path, { method }), route.context);
        expect(res.status, `${method} ${route.path}`).toBe(405);
        expect(res.headers.get("allow")).toBe(allow);
        expect(res.body).toEqual({ detail: `Method "${method}" not allowed.` });
        expect(res.headers.get("cache-control")).toBe("no-store");
      }
    });
  }
});

describe("request bodies", () => {
  it("answers another content type with 415", async () => {
    const res = await call(
      login.POST,
      apiRequest("/api/auth/login/", { body: "email=a@b.c&password=x", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    );
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ detail: 'Unsupported media type "application/x-www-form-urlencoded" in request.' });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("answers a body without a content type with 415", async () => {
    const res = await call(login.POST, apiRequest("/api/auth/login/", { body: new Blob(['{"email":"a@b.co"}']) }));
    expect(res.status).toBe(415);
    expect(res.body.detail).toMatch(/^Unsupported media type/);
  });

  it("accepts a JSON content type with parameters", async () => {
    const res = await call(
      login.POST,
      apiRequest("/api/auth/login/", { body: JSON.stringify({ email: "nobody@example.com", password: PASSWORD }), headers: { "content-type": "Application/JSON; charset=utf-8" } }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ non_field_errors: ["Invalid credentials"] });
  });

  it("answers malformed JSON with 400 Malformed JSON", async () => {
    for (const body of ['{"username": "x",', "{'a': 1}", "\xff\xfe"]) {
      const res = await call(register.POST, apiRequest("/api/auth/register/", { body, headers: { "content-type": "application/json" } }));
      expect(res.status, body).toBe(400);
      expect(res.body).toEqual({ detail: "Malformed JSON" });
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("answers a body over 16 KiB with 413, whether it declares its length or not", async () => {
    const big = JSON.stringify({ username: "x".repeat(MAX_BODY_BYTES), email: "a@b.co", password: PASSWORD });
    const declared = await call(
      register.POST,
      apiRequest("/api/auth/register/", { body: big, headers: { "content-type": "application/json", "content-length": String(big.length) } }),
    );
    expect(declared.status).toBe(413);
    expect(declared.body).toEqual({ detail: "Request body too large" });

    const stream = new ReadableStream({
      start(controller) {
        // In pieces, none too large alone.
        for (let i = 0; i < big.length; i += 4096) controller.enqueue(new TextEncoder().encode(big.slice(i, i + 4096)));
        controller.close();
      },
    });
    const undeclared = await call(register.POST, apiRequest("/api/auth/register/", { body: stream, headers: { "content-type": "application/json" } }));
    expect(undeclared.status).toBe(413);
    expect(undeclared.headers.get("cache-control")).toBe("no-store");
  });

  it("takes a body of exactly 16 KiB", async () => {
    const filler = "x".repeat(MAX_BODY_BYTES - JSON.stringify({ email: "nobody@example.com", password: PASSWORD, pad: "" }).length);
    const body = JSON.stringify({ email: "nobody@example.com", password: PASSWORD, pad: filler });
    expect(new TextEncoder().encode(body).byteLength).toBe(MAX_BODY_BYTES);
    const res = await call(login.POST, apiRequest("/api/auth/login/", { body, headers: { "content-type": "application/json" } }));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ non_field_errors: ["Invalid credentials"] });
  });

  it("reads an empty body as {}, so each missing field is named", async () => {
    const res = await call(login.POST, apiRequest("/api/auth/login/", { method: "POST" }));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ email: ["This field is required."], password: ["This field is required."] });
  });
});

describe("responses", () => {
  it("are marked no-store, success included", async () => {
    const ok = await call(health.GET, apiRequest("/api/health/"));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: "ok" });
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect(ok.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const keys = await call(jwks.GET, apiRequest("/.well-known/jwks.json"));
    expect(keys.status).toBe(200);
    expect(keys.body.keys[0]).not.toHaveProperty("d");
  });
});
