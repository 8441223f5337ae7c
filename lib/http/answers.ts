import "server-only";
import { NextResponse } from "next/server";
import type { z } from "zod";
import { DetailSchema } from "@/lib/api-schemas";
import type { FieldErrors } from "@/lib/validation";

// The shapes every API answer takes (docs/api.md, errors): JSON with `Cache-Control:
// no-store`, and Django REST Framework's error bodies. And the declaration of an answer,
// as a route states it (lib/http/route.ts) and the OpenAPI document shows it.

/** The headers an answer may carry that a client acts on. */
export type Header = "Retry-After" | "Set-Cookie" | "Location" | "WWW-Authenticate" | "Allow" | "Content-Disposition" | "Link";

/** One answer of a route: its status, the shapes its body may take, the headers that carry meaning. */
export type Answer = { status: number; description: string; body: readonly z.ZodType[]; headers: readonly Header[] };

export const answer = (status: number, description: string, body: z.ZodType | readonly z.ZodType[] = [], headers: readonly Header[] = []): Answer => ({
  status,
  description,
  body: Array.isArray(body) ? body : [body as z.ZodType],
  headers,
});

/** An answer whose body is `{"detail": ..., "code"?: ...}`. */
export const detailAnswer = (status: number, description: string, headers: readonly Header[] = []): Answer =>
  answer(status, description, DetailSchema, headers);

export function json(body: unknown, init: ResponseInit = {}): NextResponse {
  const response = NextResponse.json(body, init);
  if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "no-store");
  return response;
}

/** An answer without a body (204). */
export const noContent = (): NextResponse => new NextResponse(null, { status: 204 });

export const detail = (status: number, message: string, code?: string, init: ResponseInit = {}) =>
  json(code ? { detail: message, code } : { detail: message }, { ...init, status });

export const fieldErrors = (errors: FieldErrors) => json(errors, { status: 400 });

export const nonFieldError = (message: string) => json({ non_field_errors: [message] }, { status: 400 });

export const tooManyRequests = (retryAfterSeconds: number) =>
  detail(429, `Too many requests. Try again in ${retryAfterSeconds} seconds.`, undefined, {
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

export const serverBusy = (retryAfterSeconds: number) =>
  detail(503, `Server busy. Try again in ${retryAfterSeconds} seconds.`, undefined, {
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

/** 401 in simplejwt's words: no credentials, or credentials that are no good. */
export function unauthorized(reason: "missing" | "invalid"): NextResponse {
  const headers = { "WWW-Authenticate": 'Bearer realm="api"' };
  return reason === "missing"
    ? detail(401, "Authentication credentials were not provided.", undefined, { headers })
    : detail(401, "Given token not valid for any token type", "token_not_valid", { headers });
}
