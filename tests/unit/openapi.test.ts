import { describe, expect, it } from "vitest";
import * as documentRoute from "@/app/api/openapi.json/route";
import { API_ROUTES } from "@/app/api/openapi.json/routes";
import { LIMITS } from "@/lib/auth/rate-limit";
import { envDefault } from "@/lib/env";
import { declaredOperations, type ApiRoutes, type RouteModule } from "@/lib/openapi";
import { apiRequest, call } from "../support/handlers";
import { checkResponses, createResponseChecker, type RecordedResponse } from "../support/api-contract";

// GET /api/openapi.json describes the routes that exist, no more and no fewer, from their
// own declarations; and the integration suite's response check really rejects what
// breaks it.

const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route file under app/api and app/.well-known, imported, by the URL path Next serves it at. */
const routeFiles: ApiRoutes = Object.fromEntries(
  Object.entries(import.meta.glob<RouteModule>(["/app/api/**/route.ts", "/app/.well-known/**/route.ts"], { eager: true })).map(([file, module]) => {
    const segments = file.replace(/^\/app\//, "").replace(/\/route\.ts$/, "").split("/");
    const joined = "/" + segments.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/");
    // trailingSlash: true adds a slash, except to file-like paths (a dot in the last segment).
    return [segments.at(-1)!.includes(".") ? joined : `${joined}/`, module];
  }),
);

const served = (module: RouteModule) => HTTP_METHODS.filter((m) => module[m]?.declaration);

async function servedDocument() {
  const res = await call(documentRoute.GET, apiRequest("/api/openapi.json"));
  expect(res.status).toBe(200);
  return res.body as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
}

describe("the OpenAPI document and the route files", () => {
  it("finds the route files", () => {
    expect(Object.keys(routeFiles).length).toBeGreaterThanOrEqual(30);
  });

  it("walks every route file, each at the path Next serves it at", () => {
    const walked: ApiRoutes = { ...API_ROUTES, "/api/openapi.json": documentRoute };
    expect(Object.keys(walked).sort()).toEqual(Object.keys(routeFiles).sort());
    for (const [path, module] of Object.entries(walked)) expect(module, path).toBe(routeFiles[path]);
  });

  it("documents every method that a route declares, and nothing else", async () => {
    const document = await servedDocument();
    const declared = Object.entries(routeFiles).flatMap(([path, module]) => served(module).map((m) => `${m} ${path}`)).sort();
    const inDocument = Object.entries(document.paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(inDocument).toEqual(declared);
    expect(declaredOperations(routeFiles)).toHaveLength(declared.length);
  });

  it("answers 405 with an Allow header that names exactly the served methods, for every other method", async () => {
    for (const [path, module] of Object.entries(routeFiles)) {
      const serves = served(module);
      expect(serves.length, `${path} declares no handler`).toBeGreaterThan(0);
      const allow = [...serves.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])), "OPTIONS"].join(", ");
      for (const method of HTTP_METHODS.filter((m) => !serves.includes(m))) {
        const refuse = module[method] as ((request: Request) => Response) | undefined;
        expect(refuse, `${path} exports ${method}`).toBeTypeOf("function");
        const res = refuse!(apiRequest(path, { method }));
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
      }
    }
  });

  it("generates request schemas from the routes' zod schemas", async () => {
    const { schemas } = (await servedDocument()).components;
    expect(schemas.RegisterRequest.required).toEqual(["username", "email", "password"]);
    expect(schemas.RegisterRequest.properties.username.maxLength).toBe(150);
    expect(schemas.CodeExchangeRequest.properties.code_verifier.pattern).toBe("^[A-Za-z0-9._~-]{43,128}$");
    expect(schemas.LoginResponse.additionalProperties).toBe(false);
  });

  it("states each limit in the numbers the limiter counts with", async () => {
    const document = await servedDocument();
    let limited = 0;
    for (const [path, method, declaration] of declaredOperations(routeFiles)) {
      if (!declaration.rateLimit) continue;
      limited += 1;
      const limit = LIMITS[declaration.rateLimit];
      const text: string = document.paths[path]![method.toLowerCase()].responses["429"].description;
      const per = limit.seconds === 60 ? "minute" : "hour";
      expect(text, `${method} ${path}`).toContain(`${envDefault(limit.variable)} per ${per} (\`${limit.variable}\``);
    }
    expect(limited).toBeGreaterThan(25);
    // The limiter's own default, not a number typed twice.
    expect(envDefault("RATE_LIMIT_LOGIN_PER_IP")).toBe(20);
  });
});

describe("the recorded-response check", () => {
  const login = (status: number, body: unknown, contentType = "application/json"): RecordedResponse => ({
    method: "POST",
    path: "/api/auth/login/",
    status,
    contentType,
    body,
  });
  const user = { id: 1, username: "ada", email: "ada@example.com", email_verified: false };

  it("accepts responses the document describes", async () => {
    const check = createResponseChecker(await servedDocument());
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
    const check = createResponseChecker(await servedDocument());
    expect(check(login(200, { access: "a.b.c" })).result).toBe("failed");
    expect(check(login(200, { access: "a.b.c", user, refresh: "leaked" })).result).toBe("failed");
    expect(check(login(200, { access: "a.b.c", user: { ...user, id: "1" } })).result).toBe("failed");
    expect(check(login(400, { detail: 42 })).result).toBe("failed");
    expect(check({ method: "GET", path: "/api/auth/sessions/", status: 200, contentType: "application/json", body: [{ id: 1 }] }).result).toBe("failed");
  });

  it("rejects a status the document does not list, an unknown path, a body where none is documented, and HTML for JSON", async () => {
    const check = createResponseChecker(await servedDocument());
    expect(check(login(418, { detail: "teapot" })).result).toBe("failed");
    expect(check(login(404, { detail: "Not found." })).result).toBe("failed");
    expect(check({ method: "GET", path: "/api/nope/", status: 404, contentType: "text/html", body: "<html>" }).result).toBe("failed");
    expect(check({ method: "GET", path: "/api/auth/me/", status: 405, contentType: "application/json", body: { detail: 'Method "GET" not allowed.' } }).result).toBe("failed");
    expect(check({ method: "PUT", path: "/api/auth/me/", status: 200, contentType: "application/json", body: {} }).result).toBe("failed");
    expect(check({ method: "DELETE", path: "/api/auth/sessions/abc/", status: 204, contentType: "application/json", body: { revoked: 1 } }).result).toBe("failed");
    expect(check(login(200, "<html></html>", "text/html")).result).toBe("failed");
  });

  it("reports each failure with its request", async () => {
    const report = checkResponses(await servedDocument(), [login(200, { access: "a.b.c", user }), login(500, { oops: true })]);
    expect(report.checked).toBe(1);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toContain("POST /api/auth/login/ -> 500");
  });
});
