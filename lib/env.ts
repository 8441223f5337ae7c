import "server-only";
import { availableParallelism } from "node:os";
import { z } from "zod";
import { hasDevelopmentConveniences, runMode, type RunMode } from "./run-mode";
import { resolveKeySet, signingKeysVariable, signingKeyVariable, type KeySet } from "./auth/key-set";
import { singleton } from "./singleton";
import { oidcClientsVariable, oidcSigningKeyVariable } from "./oidc/config";

export { hasDevelopmentConveniences, runMode, type RunMode };

// The one place that reads process.env (house style). Parsed once, on first use;
// instrumentation.ts calls loadEnv() at startup so a bad value stops the server early.

const emptyToUndefined = (value: unknown) => (value === "" ? undefined : value);

const seconds = (fallback: number, min = 1) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "must be a whole number of seconds" })
      .int({ error: "must be a whole number of seconds" })
      .min(min, { error: `must be at least ${min}` })
      .default(fallback),
  );

const count = (fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: "must be a whole number" }).int().min(1).default(fallback),
  );

const flag = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(["true", "false", "1", "0"], { error: "must be true or false" })
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1"),
  );

const optionalString = z.preprocess(emptyToUndefined, z.string().trim().min(1).optional());

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const url = (fallback: string) =>
  z.preprocess(emptyToUndefined, httpUrl.default(fallback).transform((u) => u.replace(/\/+$/, "")));

const list = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess(
    (value) =>
      typeof value === "string"
        ? value
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : (value ?? []),
    z.array(item),
  );

const origin = httpUrl.transform((u, ctx) => {
  const parsed = new URL(u);
  if (parsed.pathname !== "/" || parsed.search || parsed.hash) {
    ctx.addIssue({ code: "custom", message: `${u} is not an origin (scheme://host[:port])` });
    return z.NEVER;
  }
  return parsed.origin;
});

const signingKey = z.preprocess(emptyToUndefined, signingKeyVariable.optional());
const signingKeys = z.preprocess(emptyToUndefined, signingKeysVariable.optional());

/** Each variable and its parsing; the defaults are the documented ones (.env.example). */
const VARIABLES = {
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default("file:./data/gatehouse.db")
      .refine((v) => v.replace(/^file:/, "").length > 0, {
        error: "must be a SQLite file path, like file:./data/gatehouse.db, or a postgres:// URL",
      }),
  ),
  // Connections each instance keeps to PostgreSQL (unused on SQLite).
  DATABASE_POOL_SIZE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1000).default(10)),
  APP_URL: url("http://localhost:3000"),
  // What people see: the authenticator app's entry (the TOTP issuer), emails, page
  // titles, the header. No colon: the key URI's label is "issuer:account".
  APP_NAME: z.preprocess(
    emptyToUndefined,
    z.string().trim().min(1).max(64).regex(/^[^:]+$/, { error: "must not contain a colon (authenticator apps read it as issuer:account)" }).default("Gatehouse"),
  ),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
  AUTH_SIGNING_KEY: signingKey,
  // Several keys for rotation; AUTH_SIGNING_KID names the one that signs (lib/auth/key-set.ts).
  AUTH_SIGNING_KEYS: signingKeys,
  AUTH_SIGNING_KID: optionalString,
  ACCESS_TOKEN_TTL: seconds(900, 30),
  REFRESH_TOKEN_TTL: seconds(1_209_600, 60),
  SESSION_MAX_AGE: seconds(2_592_000, 60),
  VERIFICATION_TOKEN_TTL: seconds(86_400, 60),
  // How recent a sign-in (or re-authentication) must be to turn a second factor on or
  // add a passkey (docs/security.md, account ownership).
  REAUTH_MAX_AGE: seconds(600, 30),
  // Root secrets for TOTP secrets at rest, newest first; unset: derived from the signing
  // key (docs/decisions/018-totp-secrets-encrypted-at-rest.md).
  MFA_ENCRYPTION_KEY: list(z.string().min(32, { error: "each key must be at least 32 characters (`openssl rand -base64 32` prints one)" })),
  RESEND_API_KEY: optionalString,
  RESEND_BASE_URL: z.preprocess(emptyToUndefined, httpUrl.optional()),
  // Unset: "<APP_NAME> <no-reply@localhost>" (below).
  EMAIL_FROM: z.preprocess(emptyToUndefined, z.string().min(3).optional()),
  GOOGLE_CLIENT_ID: optionalString,
  GOOGLE_CLIENT_SECRET: optionalString,
  GITHUB_CLIENT_ID: optionalString,
  GITHUB_CLIENT_SECRET: optionalString,
  GOOGLE_AUTH_URL: url("https://accounts.google.com/o/oauth2/v2/auth"),
  GOOGLE_TOKEN_URL: url("https://oauth2.googleapis.com/token"),
  GOOGLE_USERINFO_URL: url("https://openidconnect.googleapis.com/v1/userinfo"),
  GITHUB_AUTH_URL: url("https://github.com/login/oauth/authorize"),
  GITHUB_TOKEN_URL: url("https://github.com/login/oauth/access_token"),
  GITHUB_API_URL: url("https://api.github.com"),
  OAUTH_REDIRECT_URIS: list(httpUrl),
  CORS_ALLOWED_ORIGINS: list(origin),
  REQUIRE_VERIFIED_EMAIL: flag(false),
  // false, true (one proxy: the last X-Forwarded-For hop), or how many proxies you run.
  TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(true|false|\d{1,2})$/, { error: "must be true, false, or the number of proxies in front of the server" })
      .default("false")
      .transform((v) => (v === "true" ? 1 : v === "false" ? 0 : Number(v))),
  ),
  // Abuse limits (docs/security.md); defaults are the documented ones.
  RATE_LIMIT_LOGIN_PER_IP: count(20), // per minute
  RATE_LIMIT_LOGIN_FAILURES: count(5), // per account, per 15 minutes
  RATE_LIMIT_REGISTER_PER_IP: count(10), // per hour
  RATE_LIMIT_EMAIL_PER_IP: count(10), // per hour (resend, password reset)
  RATE_LIMIT_EMAIL_PER_ADDRESS: count(3), // per hour
  RATE_LIMIT_REFRESH_PER_IP: count(60), // per minute
  RATE_LIMIT_API_PER_IP: count(300), // per minute
  // Each argon2id hash holds 19 MiB and a core. By default one per core, at most 4: more
  // hashes than cores add no throughput and starve the event loop that answers
  // everyone else (measured: docs/decisions/014).
  PASSWORD_HASH_CONCURRENCY: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(1).max(64).default(Math.min(4, availableParallelism())),
  ),
  // How many more may wait, and for how long, before the answer is 503 (docs/security.md).
  PASSWORD_HASH_QUEUE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(100_000).default(64)),
  PASSWORD_HASH_MAX_WAIT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(60_000).default(1000)),
  // The OpenID Connect provider (docs/oidc.md): its relying parties, and the RSA key that
  // signs their id_tokens (generated in the data directory by `npm run dev` only).
  OIDC_CLIENTS: z.preprocess(emptyToUndefined, oidcClientsVariable.optional()),
  OIDC_SIGNING_KEY: z.preprocess(emptyToUndefined, oidcSigningKeyVariable.optional()),
  // Per minute: requests to the provider's endpoints per client IP, and per client at the token endpoint.
  RATE_LIMIT_OIDC_PER_IP: count(300),
  RATE_LIMIT_OIDC_PER_CLIENT: count(600),
  // How long server.js lets requests in flight finish after SIGTERM (docs/decisions/017).
  SHUTDOWN_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(600_000).default(10_000)),
};

const EnvSchema = z
  .object(VARIABLES)
  .transform((env, ctx) => {
    const resolved = resolveKeySet({ single: env.AUTH_SIGNING_KEY, list: env.AUTH_SIGNING_KEYS, signerKid: env.AUTH_SIGNING_KID });
    if (resolved.ok) return { ...env, EMAIL_FROM: env.EMAIL_FROM ?? `${env.APP_NAME} <no-reply@localhost>`, signingKeys: resolved.keySet };
    for (const issue of resolved.issues) ctx.addIssue({ code: "custom", path: [issue.variable], message: issue.message });
    return z.NEVER;
  });

export type Env = z.infer<typeof EnvSchema>;

/** A variable's value when it is not set: what the API document states beside the limits it names. */
export function envDefault<K extends keyof typeof VARIABLES>(name: K): z.output<(typeof VARIABLES)[K]> {
  return VARIABLES[name].parse(undefined) as z.output<(typeof VARIABLES)[K]>;
}
export type { KeySet };

const REQUIRED_IN_PRODUCTION = {
  AUTH_SIGNING_KEY: "an Ed25519 private key as JWK JSON (`npm run keygen` prints one), or AUTH_SIGNING_KEYS",
  RESEND_API_KEY: "a Resend API key (production has no development mailbox)",
} as const;

export class EnvError extends Error {
  override name = "EnvError";
}

export function parseEnv(
  source: Record<string, string | undefined>,
  mode: RunMode = runMode(),
  options: { requireSecrets?: boolean } = {},
): Env {
  // Unset APP_URL follows PORT, so `PORT=4000 npm run dev` links to itself.
  const withDefaults = source.APP_URL ? source : { ...source, APP_URL: `http://localhost:${source.PORT || 3000}` };
  const result = EnvSchema.safeParse(withDefaults);
  const lines = result.success ? [] : result.error.issues.map((issue) => `  ${issue.path.join(".") || "(environment)"}: ${issue.message}`);
  if (!hasDevelopmentConveniences(mode) && options.requireSecrets !== false) {
    // Named whether or not the rest parsed, so one start lists every missing key.
    for (const [name, what] of Object.entries(REQUIRED_IN_PRODUCTION)) {
      const given = name === "AUTH_SIGNING_KEY" ? source[name]?.trim() || source.AUTH_SIGNING_KEYS?.trim() : source[name]?.trim();
      if (!given) lines.push(`  ${name}: is required in production (every run but \`npm run dev\`): ${what}`);
    }
    if (source.OIDC_CLIENTS?.trim() && !source.OIDC_SIGNING_KEY?.trim()) {
      lines.push("  OIDC_SIGNING_KEY: is required in production when OIDC_CLIENTS is set: an RSA private key of at least 2048 bits as JWK JSON (docs/oidc.md)");
    }
  }
  if (result.success && lines.length === 0) return result.data;
  throw new EnvError(`Invalid environment variables:\n${lines.join("\n")}`);
}

/**
 * For a command-line tool that only opens the database (`npm run import:django`): the
 * configuration without the production secrets it never uses (a signing key, a Resend
 * key), so it runs with DATABASE_URL alone. Call before anything reads getEnv().
 */
export function useDatabaseToolEnv(): Env {
  return singleton("env", () => parseEnv(process.env, runMode(), { requireSecrets: false }));
}

/** The parsed configuration of this process. */
export function getEnv(): Env {
  return singleton("env", () => parseEnv(process.env));
}
