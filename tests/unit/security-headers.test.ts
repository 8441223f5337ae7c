import { describe, expect, it } from "vitest";
import { commonSecurityHeaders, corsHeaders, pageSecurityHeaders } from "@/lib/security-headers";

// docs/security.md, Headers and Cross-site requests.

const NONCE = "bm9uY2UtZm9yLXRlc3Q";

function directives(csp: string | undefined): Map<string, string[]> {
  if (!csp) throw new Error("no Content-Security-Policy");
  return new Map(
    csp.split(";").map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );
}

const page = (pathname: string, dev = false) => pageSecurityHeaders({ pathname, nonce: NONCE, dev });

describe("Content-Security-Policy of pages", () => {
  it("allows scripts by nonce only, without unsafe-eval or unsafe-inline in production", async () => {
    const csp = directives(page("/login/")["Content-Security-Policy"]);
    const scripts = csp.get("script-src")!;
    expect(scripts).toContain(`'nonce-${NONCE}'`);
    expect(scripts).not.toContain("'unsafe-eval'");
    expect(scripts).not.toContain("'unsafe-inline'");
    expect(scripts).not.toContain("*");
    expect(csp.get("style-src")).toContain(`'nonce-${NONCE}'`);
    expect(csp.get("style-src")).not.toContain("'unsafe-inline'");
  });

  it("allows unsafe-eval, and inline styles for the error overlay, only in development", async () => {
    const dev = directives(page("/login/", true)["Content-Security-Policy"]);
    expect(dev.get("script-src")).toContain("'unsafe-eval'");
    expect(dev.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
    // Scripts keep their nonce even in development.
    expect(dev.get("script-src")).toContain(`'nonce-${NONCE}'`);
  });

  it("forbids framing, plugins and foreign form targets", async () => {
    const csp = directives(page("/profile/")["Content-Security-Policy"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("form-action")).toEqual(["'self'"]);
    expect(csp.get("base-uri")).toEqual(["'self'"]);
    expect(csp.get("default-src")).toEqual(["'self'"]);
  });

  it("uses the nonce it is given", async () => {
    const other = pageSecurityHeaders({ pathname: "/", nonce: "another", dev: false })["Content-Security-Policy"];
    expect(other).toContain("'nonce-another'");
    expect(other).not.toContain(NONCE);
  });

  it("lets the development mailbox preview be framed by its own page, with no scripts at all", async () => {
    const headers = page("/dev/mail/12/html/");
    const csp = directives(headers["Content-Security-Policy"]);
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.has("script-src")).toBe(false);
    expect(csp.get("frame-ancestors")).toEqual(["'self'"]);
    expect(headers["Referrer-Policy"]).toBe("no-referrer");
    expect(commonSecurityHeaders("/dev/mail/12/html/")["X-Frame-Options"]).toBe("SAMEORIGIN");
    // Only that exact shape of path.
    expect(directives(page("/dev/mail/12/html/../../")["Content-Security-Policy"]).get("frame-ancestors")).toEqual(["'none'"]);
  });
});

describe("Referrer-Policy", () => {
  it("is no-referrer on pages that carry a token in the URL", async () => {
    expect(page("/verify-email/")["Referrer-Policy"]).toBe("no-referrer");
    expect(page("/reset-password/")["Referrer-Policy"]).toBe("no-referrer");
  });

  it("is strict-origin-when-cross-origin elsewhere", async () => {
    for (const path of ["/", "/login/", "/register/", "/profile/"]) {
      expect(page(path)["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    }
  });
});

describe("Strict-Transport-Security", () => {
  it("is absent when APP_URL is http", async () => {
    expect(page("/")).not.toHaveProperty("Strict-Transport-Security");
    expect(commonSecurityHeaders("/api/auth/me/")).not.toHaveProperty("Strict-Transport-Security");
    expect(directives(page("/")["Content-Security-Policy"]).has("upgrade-insecure-requests")).toBe(false);
  });

  it("is sent, with upgrade-insecure-requests, when APP_URL is https", async () => {
    process.env.APP_URL = "https://auth.example.com";
    expect(page("/")["Strict-Transport-Security"]).toMatch(/^max-age=\d{8,}/);
    expect(commonSecurityHeaders("/api/auth/me/")["Strict-Transport-Security"]).toMatch(/^max-age=\d{8,}/);
    expect(directives(page("/")["Content-Security-Policy"]).has("upgrade-insecure-requests")).toBe(true);
  });
});

describe("commonSecurityHeaders", () => {
  it("sends nosniff and refuses framing on every response", async () => {
    for (const path of ["/", "/api/auth/login/", "/.well-known/jwks.json"]) {
      expect(commonSecurityHeaders(path)).toMatchObject({ "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY" });
    }
    expect(commonSecurityHeaders()).toMatchObject({ "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY" });
  });
});

describe("corsHeaders", () => {
  it("answers nothing when no origins are configured", async () => {
    expect(corsHeaders("https://app.example.com")).toBeNull();
    expect(corsHeaders(null)).toBeNull();
  });

  it("echoes a listed origin, with credentials, never *", async () => {
    process.env.CORS_ALLOWED_ORIGINS = "https://app.example.com, http://localhost:5173/";
    for (const origin of ["https://app.example.com", "http://localhost:5173"]) {
      const headers = corsHeaders(origin);
      expect(headers).toMatchObject({
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        Vary: "Origin",
      });
      expect(Object.values(headers!)).not.toContain("*");
    }
  });

  it("refuses every origin that is not listed exactly", async () => {
    process.env.CORS_ALLOWED_ORIGINS = "https://app.example.com";
    for (const origin of [
      "https://evil.example.com",
      "http://app.example.com",
      "https://app.example.com.evil.com",
      "https://evilapp.example.com",
      "https://app.example.com:8443",
      "https://app.example.com/",
      "null",
      "*",
      "",
    ]) {
      expect(corsHeaders(origin), origin).toBeNull();
    }
    expect(corsHeaders(null)).toBeNull();
  });
});
