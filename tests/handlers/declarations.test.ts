import { describe, expect, it } from "vitest";
import { z } from "zod";
import { API_ROUTES } from "@/app/api/openapi.json/routes";
import { MessageSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute } from "@/lib/http/route";
import { apiRequest, call } from "../support/handlers";
import { expectConsoleError } from "../support/unit-setup";

// A route states its contract once (apiRoute, lib/http/route.ts): the answers its options
// imply are added to its own, and in development and tests every answer it gives is
// held against them, so the document built from the declarations stays true.

const statuses = (route: { declaration: { answers: readonly { status: number }[] } }) => [...new Set(route.declaration.answers.map((a) => a.status))].sort();

describe("a route's declaration", () => {
  it("adds the answers its options imply to its own", () => {
    const route = apiRoute(
      { tag: "Accounts", summary: "t", rateLimit: "login", auth: "bearer", body: z.object({ a: z.string() }), hashesPasswords: true, answers: [answer(200, "ok", MessageSchema)] },
      () => json({ message: "ok" }),
    );
    expect(statuses(route)).toEqual([200, 400, 401, 413, 415, 429, 500, 503]);
    const crossSite = apiRoute({ tag: "Sessions", summary: "t", crossSite: "refuse", answers: [] }, () => json({}));
    expect(statuses(crossSite)).toEqual([403, 500]);
  });

  it("is carried by every API route the document walks", () => {
    for (const [path, module] of Object.entries(API_ROUTES)) {
      const declared = Object.values(module).filter((handler) => handler?.declaration);
      expect(declared.length, path).toBeGreaterThan(0);
    }
  });
});

describe("answers held against the declaration", () => {
  const route = (status: number, body: unknown) =>
    apiRoute({ tag: "Service", summary: "t", answers: [answer(200, "ok", MessageSchema), answer(204, "none")] }, () =>
      status === 204 ? new Response(null, { status }) : json(body, { status }),
    );

  it("passes a declared status with a body of a declared shape, and a declared empty answer", async () => {
    expect((await call(route(200, { message: "fine" }), apiRequest("/t/"))).status).toBe(200);
    expect((await call(route(204, null), apiRequest("/t/"))).status).toBe(204);
  });

  it("says so, loudly, when a handler answers with a status it did not declare", async () => {
    const logged = expectConsoleError(/answer not declared by its route/);
    expect((await call(route(418, { message: "teapot" }), apiRequest("/t/"))).status).toBe(418);
    expect(logged()).toHaveLength(1);
    expect(logged()[0]).toContain("status 418 is not one of 200, 204, 500");
  });

  it("says so when the body is of no declared shape", async () => {
    const logged = expectConsoleError(/answer not declared by its route/);
    await call(route(200, { message: "fine", leaked: "a field nobody declared" }), apiRequest("/t/"));
    expect(logged()[0]).toContain("a body of no declared shape");
  });
});

describe("optionalBearer", () => {
  it("reads no body when a token names the account: a bad token is 401, a good one never meets the body", async () => {
    const resend = API_ROUTES["/api/auth/verify-email/resend/"]!.POST!;
    const headers = { authorization: "Bearer not-a-token", "content-type": "application/json" };
    const badToken = await call(resend as never, apiRequest("/api/auth/verify-email/resend/", { method: "POST", body: "{not json", headers }));
    expect(badToken.status).toBe(401);
    const noToken = await call(resend as never, apiRequest("/api/auth/verify-email/resend/", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } }));
    expect(noToken.status).toBe(400);
    expect(noToken.body).toEqual({ detail: "Malformed JSON" });
  });
});
