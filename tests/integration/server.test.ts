import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servedOpenApiDocument } from "../support/api-contract";
import { startApp, type RunningApp } from "../support/app";
import { UA } from "../support/accounts";
import { ApiClient } from "../support/client";
import { linkIn } from "../support/fake-resend";

// What only the built server shows (docs/api.md conventions, docs/security.md headers and
// CORS): Next's routing and its 308s, proxy.ts's and server.js's headers, pages, bodies
// over the wire, one write per answer, preflights. Everything a route handler answers by
// itself is tested in-process, in tests/handlers/. One server for the file, with one web
// app listed for CORS.

let app: RunningApp;
let api: ApiClient;
const PASSWORD = "violet staircase morning";
const SPA = "https://spa.example";

beforeAll(async () => {
  app = await startApp({ env: { CORS_ALLOWED_ORIGINS: `${SPA}, https://other.example` } });
  api = new ApiClient(app.url);
});

afterAll(() => app?.stop());

describe("request conventions", () => {
  it("redirects a path without its trailing slash with 308", async () => {
    const res = await api.get("/api/auth/me");
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("/api/auth/me/");
  });

  it("answers a body over 16 KiB with 413, whether or not it declares its length", async () => {
    const big = JSON.stringify({ username: "x".repeat(17 * 1024), email: "a@b.co", password: PASSWORD });
    const declared = await api.request("POST", "/api/auth/register/", {
      body: big,
      headers: { "content-type": "application/json" },
    });
    expect(declared.status).toBe(413);
    // Chunked upload: no Content-Length to trust.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await fetch(`${app.url}/api/auth/register/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("marks API responses no-store and pages with the security headers", async () => {
    const res = await api.get("/api/health/");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");

    const page = await fetch(`${app.url}/login/`);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(page.headers.get("strict-transport-security")).toBeNull(); // http APP_URL
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    const html = await page.text();
    expect(html).toContain(`nonce="${nonce}"`);

    const verify = await fetch(`${app.url}/verify-email/?token=abc`);
    expect(verify.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("sends an API answer in one write: status line, headers and body together", async () => {
    // server.js keeps Next from flushing the headers of an API answer on their own
    // (docs/decisions/024): one packet instead of two, the same bytes. Read off a raw
    // socket: the first chunk to arrive must already hold the whole answer.
    const { port, hostname } = new URL(app.url);
    const chunks = await new Promise<string[]>((resolve, reject) => {
      const received: string[] = [];
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.write(`GET /api/health/ HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
      });
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => received.push(chunk));
      socket.on("end", () => resolve(received));
      socket.on("error", reject);
    });
    const whole = chunks.join("");
    expect(whole).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(whole.toLowerCase()).toContain("x-content-type-options: nosniff");
    expect(whole).toContain('{"status":"ok"}');
    expect(chunks[0]).toContain('{"status":"ok"}');
  });

});

describe("the OpenAPI document", () => {
  // docs/api.md, conventions: the document is served at a file-like path, which the
  // trailing-slash redirect leaves alone (its slashed form redirects to it).
  it("serves the document the routes declare (the handler called in-process), naming this server", async () => {
    const res = await api.get("/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body).toEqual({ ...(await servedOpenApiDocument()), servers: [{ url: app.url }] });
  });

  it("redirects the slashed form once, to the slashless path, and answers 405 to other methods", async () => {
    const res = await api.get("/api/openapi.json/");
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("/api/openapi.json");
    const post = await api.post("/api/openapi.json");
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});

describe("CORS", () => {
  it("sends no CORS headers to an origin that is not allowed", async () => {
    const res = await api.request("OPTIONS", "/api/auth/login/", {
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const simple = await api.request("GET", "/api/health/", { headers: { origin: "https://evil.example" } });
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers preflights and credentialed requests from a listed origin only", async () => {
    const client = new ApiClient(app.url);
    const preflight = await client.request("OPTIONS", "/api/auth/token/refresh/", {
      headers: { origin: SPA, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(SPA);
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");

    await client.post("/api/auth/register/", { username: "spa", email: "spa@example.com", password: PASSWORD });
    const login = await client.post("/api/auth/login/", { email: "spa@example.com", password: PASSWORD }, { origin: SPA });
    expect(login.headers.get("access-control-allow-origin")).toBe(SPA);
    expect(login.headers.get("vary")).toMatch(/Origin/i);
    const refresh = await client.post("/api/auth/token/refresh/", undefined, { origin: SPA });
    expect(refresh.status).toBe(200);

    const foreign = await client.post("/api/auth/token/refresh/", undefined, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("pages", () => {
  it("opening the page of a verification link, as a mail scanner does, verifies nothing (its button does: tests/handlers/trust.test.ts)", async () => {
    const client = new ApiClient(app.url);
    const email = "scanned@example.com";
    expect((await client.post("/api/auth/register/", { username: "scanned", email, password: PASSWORD })).status).toBe(201);
    const token = new URL(linkIn(await app.mail.waitForEmail(email), `${app.url}/verify-email/?token=`)).searchParams.get("token")!;
    const page = await fetch(`${app.url}/verify-email/?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await app.db().get("select email_verified as v from users where email = ?", email)).toEqual({ v: 0 });
    expect((await client.post("/api/auth/verify-email/check/", { token })).body).toEqual({ state: "ready" });
  });

  it("serves the page of the old address's cancel link, its token kept from any Referer", async () => {
    const res = await fetch(`${app.url}/email-change/cancel/?token=${"A".repeat(43)}`, { headers: { "user-agent": UA } });
    expect(res.status).toBe(200);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await res.text()).toContain("Was this not you?");
  });
});
