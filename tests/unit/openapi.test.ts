import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "@/lib/openapi";
import { checkResponses, createResponseChecker, type RecordedResponse } from "../support/api-contract";

// docs/api.md and GET /api/openapi.json describe the routes that exist, no more and no
// fewer; and the integration suite's response check really rejects what breaks them.

const ROOT = path.resolve(import.meta.dirname, "../..");
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

type RouteFile = { file: string; path: string; served: string[]; refused: string[]; allow: string[] };

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

/** The URL path of an app/ route directory, as the OpenAPI document writes it. */
function urlPath(file: string): string {
  const segments = path.relative(path.join(ROOT, "app"), path.dirname(file)).split(path.sep);
  const joined = "/" + segments.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/");
  // trailingSlash: true adds a slash, except to file-like paths (a dot in the last segment).
  return segments.at(-1)!.includes(".") ? joined : `${joined}/`;
}

function readRoute(file: string): RouteFile {
  const source = readFileSync(file, "utf8");
  const exported = [
    ...[...source.matchAll(/export\s+const\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s*=/g)].map((m) => m[1]!),
    ...[...source.matchAll(/export\s+(?:async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b/g)].map((m) => m[1]!),
  ];
  const refusal = /export\s+const\s+\{([^}]*)\}\s*=\s*methodNotAllowed\(([^)]*)\)/.exec(source);
  const refused = refusal ? refusal[1]!.split(",").map((s) => s.trim()).filter(Boolean) : [];
  const allow = refusal ? [...refusal[2]!.matchAll(/"([A-Z]+)"/g)].map((m) => m[1]!) : [];
  return { file: path.relative(ROOT, file), path: urlPath(file), served: exported.sort(), refused: refused.sort(), allow };
}

const apiRoutes = [...routeFiles(path.join(ROOT, "app/api")), ...routeFiles(path.join(ROOT, "app/.well-known"))].map(readRoute);
const document = buildOpenApiDocument() as { paths: Record<string, Record<string, unknown>> };

describe("the OpenAPI document and the route files", () => {
  it("finds the route files", async () => {
    expect(apiRoutes.length).toBeGreaterThanOrEqual(18);
  });

  it("documents every method that every route under app/api serves, and nothing else", async () => {
    const inCode = apiRoutes.flatMap((r) => r.served.map((m) => `${m} ${r.path}`)).sort();
    const inDocument = Object.entries(document.paths)
      .flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(inDocument).toEqual(inCode);
  });

  it("answers 405 with an Allow header that names exactly the served methods, for every other method", async () => {
    for (const route of apiRoutes) {
      expect(route.refused.length, `${route.file} exports no methodNotAllowed handlers`).toBeGreaterThan(0);
      expect([...route.served, ...route.refused].sort(), route.file).toEqual([...HTTP_METHODS].sort());
      const allowWithoutHead = route.allow.filter((m) => m !== "HEAD").sort();
      expect(allowWithoutHead, route.file).toEqual(route.served);
    }
  });

  it("generates request schemas from the routes' zod schemas", async () => {
    const schemas = (buildOpenApiDocument() as { components: { schemas: Record<string, any> } }).components.schemas;
    expect(schemas.RegisterRequest.required).toEqual(["username", "email", "password"]);
    expect(schemas.RegisterRequest.properties.username.maxLength).toBe(150);
    expect(schemas.CodeExchangeRequest.properties.code_verifier.pattern).toBe("^[A-Za-z0-9._~-]{43,128}$");
    expect(schemas.LoginResponse.additionalProperties).toBe(false);
  });
});

describe("the recorded-response check", () => {
  const check = createResponseChecker(buildOpenApiDocument());
  const login = (status: number, body: unknown, contentType = "application/json"): RecordedResponse => ({
    method: "POST",
    path: "/api/auth/login/",
    status,
    contentType,
    body,
  });
  const user = { id: 1, username: "ada", email: "ada@example.com", email_verified: false };

  it("accepts responses the document describes", async () => {
    expect(check(login(200, { access: "a.b.c", user })).result).toBe("checked");
    expect(check(login(400, { non_field_errors: ["Invalid credentials"] })).result).toBe("checked");
    expect(check(login(429, { detail: "Too many requests. Try again in 3 seconds." })).result).toBe("checked");
    const session = { id: "s1", created_at: "2026-11-30T05:00:00.000Z", last_used_at: "2026-11-30T05:00:00.000Z", user_agent: null, ip: "127.0.0.1", current: true };
    expect(check({ method: "GET", path: "/api/auth/sessions/", status: 200, contentType: "application/json", body: [session] }).result).toBe("checked");
    expect(check({ method: "DELETE", path: "/api/auth/sessions/abc/", status: 204, contentType: null, body: null }).result).toBe("checked");
    expect(check({ method: "POST", path: "/api/auth/sessions/revoke-others/", status: 200, contentType: "application/json", body: { revoked: 2 } }).result).toBe("checked");
    expect(check({ method: "PUT", path: "/api/auth/me/", status: 405, contentType: "application/json", body: { detail: 'Method "PUT" not allowed.' } }).result).toBe("checked");
    expect(check({ method: "POST", path: "/api/auth/login", status: 308, contentType: null, body: "/api/auth/login/" }).result).toBe("checked");
    expect(check({ method: "GET", path: "/login/", status: 200, contentType: "text/html", body: "<html>" }).result).toBe("skipped");
  });

  it("rejects a body that does not match", async () => {
    expect(check(login(200, { access: "a.b.c" })).result).toBe("failed");
    expect(check(login(200, { access: "a.b.c", user, refresh: "leaked" })).result).toBe("failed");
    expect(check(login(200, { access: "a.b.c", user: { ...user, id: "1" } })).result).toBe("failed");
    expect(check(login(400, { detail: 42 })).result).toBe("failed");
    expect(check({ method: "GET", path: "/api/auth/sessions/", status: 200, contentType: "application/json", body: [{ id: 1 }] }).result).toBe("failed");
  });

  it("rejects a status the document does not list, an unknown path, a body where none is documented, and HTML for JSON", async () => {
    expect(check(login(418, { detail: "teapot" })).result).toBe("failed");
    expect(check(login(404, { detail: "Not found." })).result).toBe("failed");
    expect(check({ method: "GET", path: "/api/nope/", status: 404, contentType: "text/html", body: "<html>" }).result).toBe("failed");
    expect(check({ method: "GET", path: "/api/auth/me/", status: 405, contentType: "application/json", body: { detail: 'Method "GET" not allowed.' } }).result).toBe("failed");
    expect(check({ method: "PUT", path: "/api/auth/me/", status: 200, contentType: "application/json", body: {} }).result).toBe("failed");
    expect(check({ method: "DELETE", path: "/api/auth/sessions/abc/", status: 204, contentType: "application/json", body: { revoked: 1 } }).result).toBe("failed");
    expect(check(login(200, "<html></html>", "text/html")).result).toBe("failed");
  });

  it("reports each failure with its request", async () => {
    const report = checkResponses(buildOpenApiDocument(), [login(200, { access: "a.b.c", user }), login(500, { oops: true })]);
    expect(report.checked).toBe(1);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toContain("POST /api/auth/login/ -> 500");
  });
});
