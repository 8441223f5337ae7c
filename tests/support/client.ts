// A small HTTP client for the API tests: JSON in and out, and a cookie jar that behaves
// like a browser's for the cookies that matter (Max-Age=0 deletes). Over HTTP to a
// started server, or in-process to an app in this process (tests/support/in-process-app.ts)
// when its base URL is one. Every response is also recorded for the check against the
// OpenAPI document (tests/support/api-contract.ts).

import { expect } from "vitest";
import { recordResponse } from "./api-contract";

export type ApiResponse<T = any> = { status: number; headers: Headers; body: T; setCookies: string[] };

/** The base URLs of the apps running in this process, and how each answers a request. */
export const IN_PROCESS_APPS = new Map<string, (url: string, init: RequestInit) => Promise<Response>>();

export class ApiClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") : undefined;
  }

  async request<T = any>(
    method: string,
    path: string,
    options: { json?: unknown; body?: string; headers?: Record<string, string>; cookies?: boolean } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.json !== undefined) headers["content-type"] ??= "application/json";
    const cookie = options.cookies === false ? undefined : this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    const send = IN_PROCESS_APPS.get(this.baseUrl) ?? fetch;
    const res = await send(this.baseUrl + path, {
      method,
      headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
      redirect: "manual",
    });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) this.store(line);
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    recordResponse({
      method,
      path: new URL(this.baseUrl + path).pathname,
      status: res.status,
      contentType: res.headers.get("content-type"),
      body,
      testFile: expect.getState().testPath,
    });
    return { status: res.status, headers: res.headers, body, setCookies };
  }

  private store(line: string): void {
    const [pair, ...attributes] = line.split(";").map((s) => s.trim());
    const eq = pair!.indexOf("=");
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    const maxAge = attributes.find((a) => a.toLowerCase().startsWith("max-age="));
    if (maxAge && Number(maxAge.split("=")[1]) <= 0) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>("GET", path, { headers });
  }

  post<T = any>(path: string, json?: unknown, headers?: Record<string, string>) {
    return this.request<T>("POST", path, { json, headers });
  }
}

/** Parse one Set-Cookie line into its attributes (lower-cased names). */
export function parseSetCookie(line: string): { name: string; value: string; attributes: Record<string, string | true> } {
  const [pair, ...rest] = line.split(";").map((s) => s.trim());
  const eq = pair!.indexOf("=");
  const attributes: Record<string, string | true> = {};
  for (const attr of rest) {
    const i = attr.indexOf("=");
    if (i < 0) attributes[attr.toLowerCase()] = true;
    else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes };
}
