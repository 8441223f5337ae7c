import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
const alias = {
  "@": root,
  // "server-only" throws outside React Server Components; in tests it is just a marker.
  "server-only": path.join(root, "tests/support/server-only.ts"),
};

/**
 * Files that take far longer than the rest start first, so the others fill the workers
 * beside them instead of leaving one file running alone at the end. Vitest orders by the
 * durations it remembers (node_modules/.vite), but a fresh clone has none and gets the
 * largest files first. (The development mailbox, once the longest, is in tests/dev/ now.)
 */
const RUN_FIRST = [
  "tests/integration/production.test.ts",
  "tests/handlers/trust.test.ts",
  "tests/handlers/security.test.ts",
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const i = RUN_FIRST.indexOf(path.relative(root, file.moduleId));
      return i === -1 ? RUN_FIRST.length : i;
    };
    // Stable: within a project, the listed files move to the front; the rest keep Vitest's order.
    return (await super.sort(files)).map((file, i) => ({ file, i })).sort((a, b) =>
      a.file.project.name === b.file.project.name ? rank(a.file) - rank(b.file) || a.i - b.i : a.i - b.i,
    ).map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          // Vitest's default is one worker fewer than the cores: one here. Each file waits
          // on its own SQLite file and argon2 threads, so two share the two cores well.
          maxWorkers: 2,
          // Files share their worker's loaded modules (decision 055): loading lib/ afresh
          // for each file was over half of this layer's time. unit-setup.ts resets what a
          // file may change (the environment, the database, every singleton) per test.
          isolate: false,
          globalSetup: ["tests/support/template-database-setup.ts"],
          setupFiles: ["tests/support/unit-setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Route handlers (app/**/route.ts) called in-process with a Request, and the API
          // tests that need no process boundary, through an in-process app: no build, no
          // server. See tests/handlers/README.md for what works outside Next.
          name: "handlers",
          include: ["tests/handlers/**/*.test.ts"],
          environment: "node",
          maxWorkers: 2,
          // As the unit layer: files share their worker's loaded modules (decision 055).
          isolate: false,
          // On PostgreSQL (test:handlers:pg) its cluster first, so the API check's teardown runs before it stops.
          globalSetup: ["tests/support/postgres-global-setup.ts", "tests/support/template-database-setup.ts", "tests/support/api-record-setup.ts"],
          setupFiles: ["tests/support/unit-setup.ts", "tests/support/handler-setup.ts"],
          // Real argon2 for every password: a busy machine is the only thing that makes these slow.
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          // The PostgreSQL run's cluster first, so the API check's teardown runs before it stops.
          globalSetup: [
            "tests/support/postgres-global-setup.ts",
            "tests/support/ensure-build-setup.ts",
            "tests/support/template-database-setup.ts",
            "tests/support/api-record-setup.ts",
          ],
          // Each file starts its own server on its own port and database; two at a time
          // suits this machine's two cores. Generous: a busy machine is the only thing that
          // makes a server start or a build slow, and each wait says what it waited for.
          maxWorkers: 2,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // The development server (`npm run dev`) in a real browser: not in `npm test`;
          // `.ci/run` runs it after (`npm run test:dev`, docs/decisions/038).
          name: "dev",
          include: ["tests/dev/**/*.test.ts"],
          environment: "node",
          maxWorkers: 1,
          // Each test's pages compile on first use: tens of seconds each on a busy machine.
          testTimeout: 240_000,
          hookTimeout: 300_000,
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
          globalSetup: ["tests/support/ensure-build-setup.ts", "tests/support/template-database-setup.ts"],
          maxWorkers: 1,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
