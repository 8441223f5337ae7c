import { describe, expect, it } from "vitest";
import { POST as refresh } from "@/app/api/auth/token/refresh/route";
import { startSession } from "@/lib/auth/session";
import { apiRequest, call } from "../support/handlers";
import { createUser } from "../unit/helpers";

// A browser that used the seed's Django system on the same host may still hold its
// simplejwt refresh token in a `refresh_token` cookie on Path=/ (Django's default), beside
// Gatehouse's on Path=/api/auth/. The browser sends the longer path first (RFC 6265 §5.4);
// Gatehouse reads that one, so the old cookie does not sign the user out at every refresh.

// What simplejwt's refresh token looks like (HS256, signed with Django's SECRET_KEY): never Gatehouse's.
const SIMPLEJWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTc5NzgwMDAwMCwianRpIjoiYWJjIiwidXNlcl9pZCI6Mn0.c2lnbmF0dXJl";

describe("refresh with the seed's old cookie still in the browser", () => {
  it("reads Gatehouse's cookie, sent first, not the old one after it", async () => {
    const user = await createUser({ password: null });
    const grant = await startSession({ userId: user.id, userAgent: null, ip: null }, { credentialsVersion: user.credentialsVersion });
    const cookie = `refresh_token=${grant!.refresh!.token}; refresh_token=${SIMPLEJWT}`;
    const answer = await call(refresh, apiRequest("/api/auth/token/refresh/", { method: "POST", headers: { cookie } }));
    expect(answer.status).toBe(200);
    expect(answer.body.access).toEqual(expect.any(String));
  });

  it("the old cookie alone is refused as an invalid refresh token", async () => {
    const answer = await call(refresh, apiRequest("/api/auth/token/refresh/", { method: "POST", headers: { cookie: `refresh_token=${SIMPLEJWT}` } }));
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: "Invalid refresh token", code: "token_not_valid" });
  });
});
