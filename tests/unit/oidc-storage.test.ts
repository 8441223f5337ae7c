import { describe, expect, it } from "vitest";
import { errors } from "oidc-provider";
import { getDb, writeTransaction } from "@/lib/db";
import { trimBackchannelLogouts } from "@/lib/oidc/backchannel";
import { backchannelLogouts, oidcModels } from "@/db/schema";
import { revokeUserSessions } from "@/lib/auth/session";
import { DatabaseAdapter, purgeExpiredOidcModels, withGatehouseSession } from "@/lib/oidc/adapter";
import { createUser, newSession, setEnv } from "./helpers";
import { logLines } from "../support/unit-setup";

// The provider's storage (docs/decisions/041) and session unity (decision 043), on a real
// SQLite file: what the integration suite cannot force, a race decided by the database.

const code = new DatabaseAdapter("AuthorizationCode");
const accessTokens = new DatabaseAdapter("AccessToken");

describe("the provider's adapter", () => {
  it("spends a code exactly once: of two consumes at once, one wins and the other revokes the grant", async () => {
    await code.upsert("c1", { grantId: "g1", clientId: "crm" }, 60);
    await accessTokens.upsert("a1", { grantId: "g1", clientId: "crm" }, 60);
    const results = await Promise.allSettled([code.consume("c1"), code.consume("c1")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(errors.InvalidGrant);
    // The winner's tokens went with the grant: the race is treated as the replay it is.
    expect(await accessTokens.find("a1")).toBeUndefined();
    expect(await code.find("c1")).toBeUndefined();
  });

  it("reads back what it stored, with `consumed`, and forgets expired rows", async () => {
    await code.upsert("c2", { grantId: "g2", clientId: "crm" }, 60);
    await code.consume("c2");
    expect(await code.find("c2")).toMatchObject({ grantId: "g2", consumed: expect.any(Number) });
    await code.upsert("c3", { grantId: "g3" }, 1);
    expect(await code.find("c3")).toBeDefined();
    expect(await purgeExpiredOidcModels(Date.now() + 2000)).toBe(1);
    expect(await code.find("c3")).toBeUndefined();
  });
});

describe("ending a Gatehouse session", () => {
  it("ends the provider sessions and grants made in it, and queues one back-channel logout per app", async () => {
    setEnv({
      OIDC_CLIENTS: JSON.stringify([
        { client_id: "crm", client_secret: "x".repeat(32), redirect_uris: ["https://crm.example/cb"], backchannel_logout_uri: "https://crm.example/bc" },
        { client_id: "notes", client_secret: "x".repeat(32), redirect_uris: ["https://notes.example/cb"] },
      ]),
    });
    const user = await createUser();
    const { sessionId } = await newSession({ userId: user.id, userAgent: null, ip: null });
    const other = await newSession({ userId: user.id, userAgent: null, ip: null });
    const sessions = new DatabaseAdapter("Session");
    const grants = new DatabaseAdapter("Grant");
    const refresh = new DatabaseAdapter("RefreshToken");
    await withGatehouseSession(sessionId, async () => {
      await sessions.upsert("s1", { uid: "u1", accountId: String(user.id), authorizations: { crm: { sid: "sid-crm", grantId: "g-crm" }, notes: { sid: "sid-notes", grantId: "g-notes" } } } as never, 3600);
      await grants.upsert("g-crm", { accountId: String(user.id), clientId: "crm" }, 3600);
    });
    // A refresh token rotated at the token endpoint carries no session link, only its grant.
    await refresh.upsert("r1", { grantId: "g-crm", accountId: String(user.id), clientId: "crm" }, 3600);
    await refresh.upsert("r2", { grantId: "g-notes", accountId: String(user.id), clientId: "notes" }, 3600);
    await withGatehouseSession(other.sessionId, () => grants.upsert("g-elsewhere", { accountId: String(user.id), clientId: "crm" }, 3600));

    await writeTransaction((tx) => revokeUserSessions(user.id, { tx, exceptSessionId: other.sessionId }));

    for (const [adapter, id] of [[sessions, "s1"], [grants, "g-crm"], [refresh, "r1"], [refresh, "r2"]] as const) expect(await adapter.find(id), id).toBeUndefined();
    // The other session's grant lives on.
    expect(await grants.find("g-elsewhere")).toBeDefined();
    const queued = await getDb().select().from(backchannelLogouts);
    expect(queued.map((row) => [row.clientId, row.sub, row.sid, row.status])).toEqual([["crm", String(user.id), "sid-crm", "pending"]]);
    expect((await getDb().select().from(oidcModels)).map((row) => row.id)).toEqual(["g-elsewhere"]);
  });
});

describe("the back-channel logout outbox's trim", () => {
  it("forgets every row older than a day, whatever became of it, and keeps younger ones", async () => {
    const now = Date.now();
    const day = 24 * 60 * 60 * 1000;
    const row = (sid: string, status: "pending" | "sending" | "sent" | "failed", age: number) => ({ clientId: "crm", sub: "42", sid, status, createdAt: new Date(now - age) });
    await getDb()
      .insert(backchannelLogouts)
      .values([
        row("old-sent", "sent", day + 60_000),
        row("old-failed", "failed", day + 60_000),
        // No sender since (the provider turned off): the user id in `sub` must not stay for ever.
        row("old-pending", "pending", 30 * day),
        row("old-sending", "sending", day + 60_000),
        row("young-failed", "failed", 60_000),
        row("young-pending", "pending", 60_000),
      ]);
    expect(await trimBackchannelLogouts(now)).toBe(4);
    expect((await getDb().select({ sid: backchannelLogouts.sid }).from(backchannelLogouts)).map((r) => r.sid).sort()).toEqual(["young-failed", "young-pending"]);
    expect(logLines.some((line) => line.includes("back-channel logouts given up undelivered") && line.includes('"count":2'))).toBe(true);
  });
});
