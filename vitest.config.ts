import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
const alias = {
  "@": root,
  // "server-only" throws outside React Server Components; in tests it is just a marker.
  "server-only": path.join(root, "tests/support/server-only.ts"),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          setupFiles: ["tests/support/unit-setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Route handlers (app/**/route.ts) called in-process with a Request: no build,
          // no server. See tests/handlers/README.md for what works outside Next.
          name: "handlers",
          include: ["tests/handlers/**/*.test.ts"],
          environment: "node",
          setupFiles: ["tests/support/unit-setup.ts", "tests/support/handler-setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/integration-global-setup.ts"],
          // Each file starts its own server on its own port and database; two at a time
          // suits this machine's two cores.
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Floods that measure the server's answer times: run on their own, one file at
          // a time, after the integration suite (`npm run test:integration` runs both).
          name: "load",
          include: ["tests/load/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/ensure-build-setup.ts"],
          maxWorkers: 1,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
