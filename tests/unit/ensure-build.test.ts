import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { staleReason } from "../../scripts/ensure-build.mjs";

// scripts/ensure-build.mjs decides whether test:integration and test:e2e rebuild; here
// on a made-up checkout, with modification times set by hand.

let root: string;
const file = (relative: string, mtimeSeconds: number, content = "x") => {
  const full = path.join(root, relative);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
  utimesSync(full, mtimeSeconds, mtimeSeconds);
};
const BUILT = 1_800_000_000;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "gatehouse-ensure-build-"));
  file("app/api/health/route.ts", BUILT - 60);
  file("lib/env.ts", BUILT - 60);
  file("package.json", BUILT - 60);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("staleReason", () => {
  it("asks for a build when there is none", async () => {
    expect(staleReason(root)).toBe("no production build (.next/BUILD_ID)");
    file(".next/BUILD_ID", BUILT, "");
    expect(staleReason(root)).toBe("no production build (.next/BUILD_ID)");
  });

  it("finds a build fresh when every source is older", async () => {
    file(".next/BUILD_ID", BUILT, "abc");
    expect(staleReason(root)).toBeNull();
  });

  it("names the source edited after the build, anywhere that shapes it", async () => {
    file(".next/BUILD_ID", BUILT, "abc");
    for (const edited of ["app/api/health/route.ts", "lib/auth/deep/module.ts", "db/schema.ts", "proxy.ts", "next.config.ts", "server.js", "package.json", "tsconfig.json"]) {
      file(edited, BUILT + 1);
      expect(staleReason(root)).toBe(`${edited} is newer than the build`);
      file(edited, BUILT - 1);
    }
  });

  it("ignores what the build is not made of", async () => {
    file(".next/BUILD_ID", BUILT, "abc");
    file("tests/unit/some.test.ts", BUILT + 10);
    file("e2e/some.spec.ts", BUILT + 10);
    file("README.md", BUILT + 10);
    expect(staleReason(root)).toBeNull();
  });
});
