import path from "node:path";

// A second, real app that signs its users in through Gatehouse with Auth.js (next-auth 4),
// configured with nothing but Gatehouse's issuer URL, a client id and a secret
// (docs/oidc.md; e2e/oidc.spec.ts drives it). Plain JavaScript, pages router, three files:
// a small build that fits the test budget.
const config = {
  poweredByHeader: false,
  // node_modules is Gatehouse's, two levels up.
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
};

export default config;
