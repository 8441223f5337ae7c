// The built-in pages call the HTTP API exactly as an external client would (docs/api.md):
// JSON in, JSON out, DRF-shaped errors. Every call answers a result to switch on instead
// of throwing, so a page can show a network failure as plainly as a 400.

import { SOCIAL_ERROR_MESSAGES } from "@/lib/social";

export type ApiBody = Record<string, unknown>;

export type ApiResult<T = ApiBody> =
  | { ok: true; status: number; data: T; headers: Headers }
  /** status 0: the request never got an answer (offline, server down, aborted). */
  | { ok: false; status: number; data: ApiBody; retryAfter: number | null };

export type ApiFailure = Extract<ApiResult, { ok: false }>;

export type ApiOptions = {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  /** Access token for `Authorization: Bearer`. */
  token?: string | null;
  signal?: AbortSignal;
};

export async function callApi<T = ApiBody>(path: string, options: ApiOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      // The refresh cookie (HttpOnly, Path=/api/auth/) travels only to our own origin.
      credentials: "same-origin",
      cache: "no-store",
      signal: options.signal,
    });
  } catch {
    return { ok: false, status: 0, data: {}, retryAfter: null };
  }
  const value = await readJson(response);
  // A success body may be a list (GET /api/auth/sessions/); an error body is an object.
  if (response.ok) return { ok: true, status: response.status, data: (value ?? {}) as T, headers: response.headers };
  const data = isObject(value) ? value : {};
  const retryAfter = Number(response.headers.get("Retry-After"));
  return { ok: false, status: response.status, data, retryAfter: retryAfter > 0 ? retryAfter : null };
}

/** The parsed body, or null when there is none (204) or it is not JSON. */
async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return null;
  }
}

const isObject = (value: unknown): value is ApiBody =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** `{field: [messages]}` for the fields a form shows; the rest is left to problemMessage. */
export function fieldErrorsOf<F extends string>(data: ApiBody, fields: readonly F[]): Partial<Record<F, string[]>> {
  const errors: Partial<Record<F, string[]>> = {};
  for (const field of fields) {
    const messages = stringsOf(data[field]);
    if (messages.length) errors[field] = messages;
  }
  return errors;
}

/** A sentence for everything that is not a field error: detail, non_field_errors, 429, no network. */
export function problemMessage(result: ApiFailure): string {
  if (result.status === 0) return "Could not reach the server. Check your connection and try again.";
  if (result.status === 429) {
    const detail = typeof result.data.detail === "string" ? result.data.detail : null;
    return detail ?? `Too many attempts. Try again in ${result.retryAfter ?? 60} seconds.`;
  }
  if (result.status >= 500) return "Something went wrong on our side. Please try again in a moment.";
  // Every way in answers it alike (password, passkey, second step): one explanation.
  if (result.data.code === "account_disabled") return SOCIAL_ERROR_MESSAGES.account_disabled;
  const general = stringsOf(result.data.non_field_errors);
  if (general.length) return general.join(" ");
  if (typeof result.data.detail === "string") return result.data.detail;
  return "Something went wrong. Please try again.";
}

/** The targets of an RFC 8288 `Link` header by relation: `</x/?before=…>; rel="next"` → {next: "/x/?before=…"}. */
export function linkTargets(header: string | null): Record<string, string> {
  const targets: Record<string, string> = {};
  for (const match of (header ?? "").matchAll(/<([^>]*)>\s*;\s*rel="?([a-z]+)"?/g)) targets[match[2]!] = match[1]!;
  return targets;
}
