import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servedOpenApiDocument } from "../support/api-contract";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";

// docs/api.md, conventions: the document is served at a file-like path, which the
// trailing-slash redirect leaves alone (its slashed form redirects to it).

let app: RunningApp;
let api: ApiClient;

beforeAll(async () => {
  app = await startApp();
  api = new ApiClient(app.url);
});
afterAll(() => app?.stop());

describe("GET /api/openapi.json", () => {
  it("serves the document the routes declare (the handler called in-process), naming this server", async () => {
    const res = await api.get("/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body).toEqual({ ...(await servedOpenApiDocument()), servers: [{ url: app.url }] });
  });

  it("redirects the slashed form once, to the slashless path", async () => {
    const res = await api.get("/api/openapi.json/");
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("/api/openapi.json");
  });

  it("answers 405 to other methods", async () => {
    const res = await api.post("/api/openapi.json");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});
