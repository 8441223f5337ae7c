import { describe, expect, it } from "vitest";
import { generateSigningJwk } from "@/lib/auth/tokens";
import { EnvError, getEnv, hasDevelopmentConveniences, parseEnv, runMode, type RunMode } from "@/lib/env";
import { resetSingletons } from "@/lib/singleton";

// docs/api.md, Configuration: one zod schema, parsed once; a bad value stops startup with a
// message naming the variable; production mode demands its keys.

function parseError(source: Record<string, string | undefined>, mode: RunMode = "test"): string {
  try {
    parseEnv(source, mode);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).message;
  }
  throw new Error("parseEnv accepted the environment");
}

describe("defaults", () => {
  it("runs with nothing set, on the documented defaults", async () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      DATABASE_URL: "file:./data/gatehouse.db",
      APP_URL: "http://localhost:3000",
      PORT: 3000,
      ACCESS_TOKEN_TTL: 900,
      REFRESH_TOKEN_TTL: 1_209_600,
      SESSION_MAX_AGE: 2_592_000,
      VERIFICATION_TOKEN_TTL: 86_400,
      EMAIL_FROM: "Gatehouse <no-reply@localhost>",
      OAUTH_REDIRECT_URIS: [],
      CORS_ALLOWED_ORIGINS: [],
      REQUIRE_VERIFIED_EMAIL: false,
      TRUST_PROXY: 0,
      GOOGLE_AUTH_URL: "https://accounts.google.com/o/oauth2/v2/auth",
      GOOGLE_TOKEN_URL: "https://oauth2.googleapis.com/token",
      GOOGLE_USERINFO_URL: "https://openidconnect.googleapis.com/v1/userinfo",
      GITHUB_AUTH_URL: "https://github.com/login/oauth/authorize",
      GITHUB_TOKEN_URL: "https://github.com/login/oauth/access_token",
      GITHUB_API_URL: "https://api.github.com",
    });
    expect(env.AUTH_SIGNING_KEY).toBeUndefined();
    expect(env.RESEND_API_KEY).toBeUndefined();
    expect(env.GOOGLE_CLIENT_ID).toBeUndefined();
    expect(env.GITHUB_CLIENT_SECRET).toBeUndefined();
  });

  it("names the service APP_NAME (Gatehouse by default), which also names the default sender; no colon in it", async () => {
    expect(parseEnv({})).toMatchObject({ APP_NAME: "Gatehouse", EMAIL_FROM: "Gatehouse <no-reply@localhost>" });
    expect(parseEnv({ APP_NAME: "  Acme Accounts " })).toMatchObject({ APP_NAME: "Acme Accounts", EMAIL_FROM: "Acme Accounts <no-reply@localhost>" });
    expect(parseEnv({ APP_NAME: "Acme", EMAIL_FROM: "Acme <auth@acme.test>" }).EMAIL_FROM).toBe("Acme <auth@acme.test>");
    // An authenticator app reads "issuer:account" from the key URI's label.
    expect(parseError({ APP_NAME: "Acme: Accounts" })).toMatch(/APP_NAME: must not contain a colon/);
    expect(parseError({ APP_NAME: "x".repeat(65) })).toMatch(/APP_NAME/);
  });

  it("has the abuse limits of docs/security.md", async () => {
    expect(parseEnv({})).toMatchObject({
      RATE_LIMIT_LOGIN_PER_IP: 20,
      RATE_LIMIT_LOGIN_FAILURES: 5,
      RATE_LIMIT_REGISTER_PER_IP: 10,
      RATE_LIMIT_EMAIL_PER_IP: 10,
      RATE_LIMIT_EMAIL_PER_ADDRESS: 3,
      RATE_LIMIT_REFRESH_PER_IP: 60,
      RATE_LIMIT_API_PER_IP: 300,
    });
  });

  it("treats an empty value as unset", async () => {
    const env = parseEnv({ APP_URL: "", ACCESS_TOKEN_TTL: "", RESEND_API_KEY: "", REQUIRE_VERIFIED_EMAIL: "", AUTH_SIGNING_KEY: "" });
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.ACCESS_TOKEN_TTL).toBe(900);
    expect(env.RESEND_API_KEY).toBeUndefined();
    expect(env.REQUIRE_VERIFIED_EMAIL).toBe(false);
    expect(env.AUTH_SIGNING_KEY).toBeUndefined();
  });
});

describe("values", () => {
  it("reads numbers, flags and lists", async () => {
    const env = parseEnv({
      ACCESS_TOKEN_TTL: "60",
      REFRESH_TOKEN_TTL: "3600",
      SESSION_MAX_AGE: "7200",
      REQUIRE_VERIFIED_EMAIL: "true",
      TRUST_PROXY: "1",
      OAUTH_REDIRECT_URIS: " https://app.example.com/cb , http://localhost:5173/cb ,",
      CORS_ALLOWED_ORIGINS: "https://app.example.com/, http://localhost:5173",
    });
    expect(env.ACCESS_TOKEN_TTL).toBe(60);
    expect(env.REFRESH_TOKEN_TTL).toBe(3600);
    expect(env.SESSION_MAX_AGE).toBe(7200);
    expect(env.REQUIRE_VERIFIED_EMAIL).toBe(true);
    expect(env.TRUST_PROXY).toBe(1);
    expect(env.OAUTH_REDIRECT_URIS).toEqual(["https://app.example.com/cb", "http://localhost:5173/cb"]);
    // Origins are compared with the browser's Origin header, so they are normalised to one.
    expect(env.CORS_ALLOWED_ORIGINS).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it("reads TRUST_PROXY as a number of proxies: true is one, false none", async () => {
    expect(parseEnv({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    expect(parseEnv({ TRUST_PROXY: "false" }).TRUST_PROXY).toBe(0);
    expect(parseEnv({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(parseEnv({}).TRUST_PROXY).toBe(0);
    expect(parseError({ TRUST_PROXY: "-1" })).toContain("TRUST_PROXY: must be true, false, or the number of proxies");
  });

  it("reads false flags as false", async () => {
    expect(parseEnv({ REQUIRE_VERIFIED_EMAIL: "false", TRUST_PROXY: "0" })).toMatchObject({
      REQUIRE_VERIFIED_EMAIL: false,
      TRUST_PROXY: 0,
    });
  });

  it("points an unset APP_URL at PORT, so a dev server on another port links to itself", async () => {
    expect(parseEnv({ PORT: "4000" }).APP_URL).toBe("http://localhost:4000");
    expect(parseEnv({ PORT: "4000", APP_URL: "https://auth.example.com" }).APP_URL).toBe("https://auth.example.com");
  });

  it("strips trailing slashes from APP_URL so links and the issuer are stable", async () => {
    expect(parseEnv({ APP_URL: "https://auth.example.com/" }).APP_URL).toBe("https://auth.example.com");
    expect(parseEnv({ APP_URL: "https://auth.example.com//" }).APP_URL).toBe("https://auth.example.com");
  });
});

describe("bad values stop startup with a message naming the variable", () => {
  it.each([
    ["APP_URL", "not a url"],
    ["APP_URL", "ftp://auth.example.com"],
    ["PORT", "70000"],
    ["ACCESS_TOKEN_TTL", "soon"],
    ["ACCESS_TOKEN_TTL", "1.5"],
    ["ACCESS_TOKEN_TTL", "10"],
    ["REFRESH_TOKEN_TTL", "-5"],
    ["SESSION_MAX_AGE", "0"],
    ["VERIFICATION_TOKEN_TTL", "abc"],
    ["REQUIRE_VERIFIED_EMAIL", "yes"],
    ["TRUST_PROXY", "on"],
    ["RATE_LIMIT_LOGIN_FAILURES", "0"],
    ["PASSWORD_HASH_CONCURRENCY", "1000"],
    ["RESEND_BASE_URL", "localhost:4010"],
    ["GITHUB_API_URL", "javascript:alert(1)"],
    ["OAUTH_REDIRECT_URIS", "https://ok.example.com/cb,not-a-url"],
    ["CORS_ALLOWED_ORIGINS", "https://app.example.com/path"],
    ["CORS_ALLOWED_ORIGINS", "*"],
    ["DATABASE_URL", "file:"],
  ])("%s=%s", (name, value) => {
    const message = parseError({ [name]: value });
    expect(message).toMatch(/^Invalid environment variables:/);
    // A list names the entry: "CORS_ALLOWED_ORIGINS.0: ...".
    expect(message).toMatch(new RegExp(`^  ${name}[.:]`, "m"));
  });

  it("names every bad variable at once", async () => {
    const message = parseError({ PORT: "x", TRUST_PROXY: "maybe" });
    expect(message).toContain("PORT:");
    expect(message).toContain("TRUST_PROXY:");
  });
});

describe("AUTH_SIGNING_KEY", () => {
  it("accepts an Ed25519 private JWK", async () => {
    const jwk = await generateSigningJwk();
    const env = parseEnv({ AUTH_SIGNING_KEY: JSON.stringify(jwk) });
    expect(env.AUTH_SIGNING_KEY).toMatchObject({ kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d, kid: jwk.kid });
  });

  it("refuses a public key, another key type and malformed JSON, without echoing the value", async () => {
    const jwk = await generateSigningJwk();
    const { d, ...publicOnly } = jwk;
    const cases = [
      JSON.stringify(publicOnly),
      JSON.stringify({ kty: "oct", k: "c2VjcmV0LXNlY3JldC1zZWNyZXQ" }),
      JSON.stringify({ ...jwk, crv: "X25519" }),
      `{"kty":"OKP","d":"${d}"`,
    ];
    for (const value of cases) {
      const message = parseError({ AUTH_SIGNING_KEY: value });
      expect(message).toContain("AUTH_SIGNING_KEY:");
      expect(message).toContain("npm run keygen");
      // The message goes to the console: never the key material itself.
      expect(message).not.toContain(d!);
    }
  });
});

describe("run mode", () => {

  it("is how the process was started (NODE_ENV, which server.js sets and a build compiles in)", async () => {
    expect(runMode("development")).toBe("development");
    expect(runMode("production")).toBe("production");
    // Anything unknown, or nothing, is production: the safe side.
    expect(runMode("staging")).toBe("production");
    expect(runMode("")).toBe("production");
    // Vitest, like Next, compiles the literal in: here it is "test".
    expect(runMode()).toBe("test");
  });

  it("gives the development conveniences to development (and vitest) only", async () => {
    expect(hasDevelopmentConveniences("development")).toBe(true);
    expect(hasDevelopmentConveniences("test")).toBe(true);
    expect(hasDevelopmentConveniences("production")).toBe(false);
  });
});

describe("production", () => {
  it("requires AUTH_SIGNING_KEY and RESEND_API_KEY, naming each", async () => {
    const message = parseError({ APP_URL: "https://auth.example.com" }, "production");
    expect(message).toContain("AUTH_SIGNING_KEY: is required in production");
    expect(message).toContain("RESEND_API_KEY: is required in production");
  });

  it("requires them whatever APP_URL says: localhost, loopback, or unset", async () => {
    for (const APP_URL of ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000", undefined]) {
      const message = parseError({ APP_URL, RESEND_API_KEY: "re_live_123" }, "production");
      expect(message, String(APP_URL)).toContain("AUTH_SIGNING_KEY: is required in production");
      expect(message).not.toContain("RESEND_API_KEY");
    }
  });

  it("names a missing key next to another bad variable", async () => {
    const message = parseError({ APP_URL: "nope" }, "production");
    expect(message).toContain("APP_URL:");
    expect(message).toContain("AUTH_SIGNING_KEY: is required in production");
    expect(message).toContain("RESEND_API_KEY: is required in production");
  });

  it("starts with both keys", async () => {
    const env = parseEnv(
      {
        APP_URL: "https://auth.example.com",
        AUTH_SIGNING_KEY: JSON.stringify(await generateSigningJwk()),
        RESEND_API_KEY: "re_live_123",
      },
      "production",
    );
    expect(env.RESEND_API_KEY).toBe("re_live_123");
  });

  it("does not demand the keys in development", async () => {
    expect(() => parseEnv({ APP_URL: "https://auth.example.com" }, "development")).not.toThrow();
  });
});

describe("getEnv", () => {
  it("parses process.env once and keeps the result", async () => {
    process.env.ACCESS_TOKEN_TTL = "120";
    expect(getEnv().ACCESS_TOKEN_TTL).toBe(120);
    process.env.ACCESS_TOKEN_TTL = "240";
    expect(getEnv().ACCESS_TOKEN_TTL).toBe(120);
    resetSingletons("env");
    expect(getEnv().ACCESS_TOKEN_TTL).toBe(240);
  });

  it("throws an EnvError for a bad process environment", async () => {
    process.env.APP_URL = "nope";
    expect(() => getEnv()).toThrow(EnvError);
    expect(() => getEnv()).toThrow(/APP_URL/);
  });
});
