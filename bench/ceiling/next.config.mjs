import path from "node:path";

// The framework's ceiling (docs/benchmarks.md): the same Next as Gatehouse, the same
// URL conventions, and nothing else: no proxy, no database, one route handler.
const config = {
  trailingSlash: true,
  poweredByHeader: false,
  // node_modules is Gatehouse's, two levels up.
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
};

export default config;
