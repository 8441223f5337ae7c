import type { NextConfig } from "next";

const config: NextConfig = {
  // The contract's paths end in a slash; Next answers 308 for the slashless form.
  trailingSlash: true,
  // Native addons must be loaded by Node, not bundled.
  serverExternalPackages: ["better-sqlite3", "@node-rs/argon2"],
  poweredByHeader: false,
  reactStrictMode: true,
  // proxy.ts sets the per-request headers; these cover what it skips (static assets).
  async headers() {
    return [{ source: "/:path*", headers: [{ key: "X-Content-Type-Options", value: "nosniff" }] }];
  },
};

export default config;
