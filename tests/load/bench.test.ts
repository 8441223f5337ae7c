import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../support/app";

// `npm run bench -- --quick` (docs/benchmarks.md): a second per scenario, so that the bench
// cannot rot unnoticed. It asserts no budget (this machine is shared and noisy), only that
// every scenario ran and no request failed; the bench exits non-zero otherwise. In the
// load project, so it runs alone and loads no other test file's server.
it("the quick bench runs every scenario without a failed request", async () => {
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bench", "run.mjs"), "--quick"], {
      cwd: ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.once("exit", resolve);
  });
  const text = output.join("");
  expect(code, text).toBe(0);
  for (const scenario of ["bare Next route", "GET /api/health/", "GET /api/auth/me/", "token/refresh", "argon2 verify ceiling", "POST /api/auth/login/", "POST /api/auth/register/", "login flood"]) {
    expect(text, scenario).toContain(scenario);
  }
}, 120_000);
