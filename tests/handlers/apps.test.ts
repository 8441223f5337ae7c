import { describe, expect, it } from "vitest";
import * as apps from "@/app/api/auth/apps/route";
import * as app from "@/app/api/auth/apps/[client_id]/route";
import { getDb } from "@/lib/db";
import { oidcConsents } from "@/db/schema";
import { DatabaseAdapter } from "@/lib/oidc/adapter";
import { createUser, newSession, setEnv } from "../unit/helpers";
import { apiRequest, call, params } from "../support/handlers";

// "Apps with access" (docs/api.md): the list and the revoke, in-process on a real database.

async function signedIn() {
  setEnv({ OIDC_CLIENTS: JSON.stringify([{ client_id: "crm", client_secret: "x".repeat(32), name: "Acme CRM", redirect_uris: ["https://crm.example/cb"] }]) });
  const user = await createUser();
  const { access } = await newSession({ userId: user.id, userAgent: null, ip: null });
  return { user, headers: { authorization: `Bearer ${access}` } };
}

describe("Apps with access", () => {
  it("lists an app by its grant and consent, and its revoke ends the grant's tokens at once", async () => {
    const { user, headers } = await signedIn();
    expect((await call(apps.GET, apiRequest("/api/auth/apps/", { headers }))).body).toEqual([]);
    const grants = new DatabaseAdapter("Grant");
    const refresh = new DatabaseAdapter("RefreshToken");
    await grants.upsert("g1", { accountId: String(user.id), clientId: "crm", openid: { scope: "openid email offline_access" } } as never, 3600);
    await refresh.upsert("r1", { grantId: "g1", accountId: String(user.id), clientId: "crm" }, 3600);
    await getDb().insert(oidcConsents).values({ userId: user.id, clientId: "crm", scopes: "openid email" });

    const listed = await call(apps.GET, apiRequest("/api/auth/apps/", { headers }));
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([{ client_id: "crm", name: "Acme CRM", scopes: ["email", "offline_access", "openid"], since: expect.any(String) }]);

    const revoked = await call(app.DELETE, apiRequest("/api/auth/apps/crm/", { method: "DELETE", headers }), params({ client_id: "crm" }));
    expect(revoked.status).toBe(204);
    expect(await refresh.find("r1")).toBeUndefined();
    expect(await grants.find("g1")).toBeUndefined();
    expect((await call(apps.GET, apiRequest("/api/auth/apps/", { headers }))).body).toEqual([]);
    const again = await call(app.DELETE, apiRequest("/api/auth/apps/crm/", { method: "DELETE", headers }), params({ client_id: "crm" }));
    expect(again.status).toBe(404);
  });

  it("never shows or revokes another user's apps", async () => {
    const { headers } = await signedIn();
    const other = await createUser();
    await new DatabaseAdapter("Grant").upsert("g2", { accountId: String(other.id), clientId: "crm" }, 3600);
    expect((await call(apps.GET, apiRequest("/api/auth/apps/", { headers }))).body).toEqual([]);
    const res = await call(app.DELETE, apiRequest("/api/auth/apps/crm/", { method: "DELETE", headers }), params({ client_id: "crm" }));
    expect(res.status).toBe(404);
    expect(await new DatabaseAdapter("Grant").find("g2")).toBeDefined();
  });

  it("asks for a Bearer token", async () => {
    expect((await call(apps.GET, apiRequest("/api/auth/apps/"))).status).toBe(401);
  });
});
