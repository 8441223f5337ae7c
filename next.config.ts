import type { NextConfig } from "next";

const config: NextConfig = {
  // The contract's paths end in a slash; Next answers 308 for the slashless form.
  trailingSlash: true,
  // Native addons must be loaded by Node, not bundled.
  serverExternalPackages: ["better-sqlite3", "@node-rs/argon2"],
  poweredByHeader: false,
  // `npm test` type-checks the whole tree (tsc) before it builds; checking again inside
  // the build only costs time there. A plain `npm run build` still checks.
  typescript: { ignoreBuildErrors: process.env.GATEHOUSE_BUILD_SKIP_TYPECHECK === "1" },
  reactStrictMode: true,
  // proxy.ts sets the per-request headers; these cover what it skips (static assets).
  async headers() {
    return [{ source: "/:path*", headers: [{ key: "X-Content-Type-Options", value: "nosniff" }] }];
  },
};

export default config;
