import { rmSync } from "node:fs";

// The run's databases live in a temporary directory made by playwright.config.ts.
export default function globalTeardown(): void {
  const dir = process.env.E2E_DATA_DIR;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
