import "server-only";
import { log } from "@/lib/log";

// Reads from a provider's API. A provider that is slow, down, or answers something odd
// must end in a clean failure, never a hung request or a 500; and nothing it says is
// logged but its status (docs/security.md: upstream bodies never reach a log line).

export const UPSTREAM_TIMEOUT_MS = 10_000;
/** Profiles are a few hundred bytes; anything huge is not a profile. */
const MAX_UPSTREAM_BYTES = 256 * 1024;

export type UpstreamResult = { ok: true; data: unknown } | { ok: false };

/** GET a JSON document with a Bearer token; any failure is `{ ok: false }`, logged by status. */
export async function fetchUpstreamJson(input: {
  provider: string;
  url: string;
  accessToken: string;
  headers?: Record<string, string>;
}): Promise<UpstreamResult> {
  const endpoint = new URL(input.url).pathname;
  try {
    const response = await fetch(input.url, {
      headers: {
        Accept: "application/json",
        "User-Agent": "Gatehouse",
        ...input.headers,
        Authorization: `Bearer ${input.accessToken}`,
      },
      redirect: "error",
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) {
      log.warn("oauth upstream refused", { provider: input.provider, endpoint, status: response.status });
      return { ok: false };
    }
    if (text.length > MAX_UPSTREAM_BYTES) {
      log.warn("oauth upstream answer too large", { provider: input.provider, endpoint, status: response.status });
      return { ok: false };
    }
    return { ok: true, data: JSON.parse(text) };
  } catch (error) {
    // The error's name only (TimeoutError, SyntaxError, TypeError): its message could
    // quote the body.
    log.warn("oauth upstream failed", { provider: input.provider, endpoint, failure: errorName(error) });
    return { ok: false };
  }
}

/** An error's class name, never its message (which may quote what the provider sent). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
