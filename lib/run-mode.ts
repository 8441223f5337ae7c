// No "server-only" here: proxy.ts reads this too.

/**
 * How this process was started, never a guess from APP_URL (docs/security.md,
 * deployment). `npm run dev` (server.js --dev, or `next dev`) is development; every
 * other run is production. The literal `process.env.NODE_ENV` matters: Next inlines it
 * when it builds, so a production build reads "production" whatever the environment
 * says when it runs. "test" exists only under vitest, which runs the sources unbuilt.
 */
export type RunMode = "development" | "production" | "test";

export function runMode(nodeEnv: string | undefined = process.env.NODE_ENV): RunMode {
  if (nodeEnv === "development") return "development";
  if (nodeEnv === "test") return "test";
  return "production";
}

/** The development conveniences (generated signing key, mailbox, relaxed CSP) exist only here. */
export const hasDevelopmentConveniences = (mode: RunMode): boolean => mode !== "production";
