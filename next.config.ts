import type { NextConfig } from "next";

const config: NextConfig = {
  // The contract's paths end in a slash; Next answers 308 for the slashless form.
  trailingSlash: true,
  // Native addons must be loaded by Node, not bundled; oidc-provider (Koa, its own
  // AsyncLocalStorage and dynamic imports) too. drizzle-orm and
  // rate-limiter-flexible too, once per process: the database store is made once
  // (lib/singleton.ts) by whichever bundle comes first, and the classes of what it returns
  // and throws (RateLimiterRes rejections) must be the ones every other bundle checks against.
  serverExternalPackages: ["better-sqlite3", "@node-rs/argon2", "@node-rs/bcrypt", "drizzle-orm", "rate-limiter-flexible", "pg", "oidc-provider"],
  poweredByHeader: false,
  // `npm test` type-checks the whole tree (tsc) before it builds; checking again inside
  // the build only costs time there. A plain `npm run build` still checks.
  typescript: { ignoreBuildErrors: process.env.GATEHOUSE_BUILD_SKIP_TYPECHECK === "1" },
  reactStrictMode: true,
  // `npm run dev` compiles afresh at each start instead of resuming Turbopack's cache in
  // .next/dev/cache. Resumed after the inputs it was built from changed (the environment,
  // which Next hands to Turbopack whole, so setting CORS_ALLOWED_ORIGINS is one; or a file
  // edited while no server ran), the cache answered every HMR subscription of a page with
  // a "restart", so every open page reloaded about once a second (docs/decisions/038).
  experimental: { turbopackFileSystemCacheForDev: false },
  // server.js sets the common headers on every response (lib/security-headers.ts); this one
  // stays for a run without it (plain `next start`), whose static assets get nothing else.
  async headers() {
    return [{ source: "/:path*", headers: [{ key: "X-Content-Type-Options", value: "nosniff" }] }];
  },
};

export default config;
