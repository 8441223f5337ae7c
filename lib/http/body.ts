import "server-only";
import type { NextResponse } from "next/server";
import type { z } from "zod";
import { DetailSchema, FieldErrorsSchema } from "@/lib/api-schemas";
import { fieldErrorsFrom } from "@/lib/validation";
import { answer, detail, detailAnswer, fieldErrors, nonFieldError } from "./answers";

// Request bodies (docs/api.md, conventions): JSON of at most 16 KiB, validated by the
// route's zod schema, refused in DRF's shapes.

export const MAX_BODY_BYTES = 16 * 1024;

/** What reading a body can answer, before the route's own answers (readJsonBody, parseInput). */
export const BODY_ANSWERS = [
  answer(400, 'Field errors, `non_field_errors` for a body that is not an object, or `{"detail": "Malformed JSON"}`.', [FieldErrorsSchema, DetailSchema]),
  detailAnswer(413, `The body is over ${MAX_BODY_BYTES / 1024} KiB.`),
  detailAnswer(415, "A non-empty body that is not `application/json`."),
];

export type Parsed<T> = { ok: true; data: T } | { ok: false; response: NextResponse };

/**
 * Read a JSON body: 415 for another content type, 413 over 16 KiB, 400 for malformed
 * JSON. An empty body reads as `{}` so missing fields get field errors.
 */
export async function readJsonBody(request: Request): Promise<Parsed<unknown>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return { ok: false, response: detail(413, "Request body too large") };

  const bytes = await readLimited(request);
  if (bytes === "too_large") return { ok: false, response: detail(413, "Request body too large") };
  if (bytes.length === 0) return { ok: true, data: {} };

  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") {
    const shown = mediaType || "none";
    return { ok: false, response: detail(415, `Unsupported media type "${shown}" in request.`) };
  }
  try {
    return { ok: true, data: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false, response: detail(400, "Malformed JSON") };
  }
}

async function readLimited(request: Request): Promise<Uint8Array | "too_large"> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return "too_large";
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const typeName = (value: unknown) =>
  Array.isArray(value) ? "list" : value === null ? "null" : typeof value === "object" ? "dict" : typeof value;

/** Validate a parsed body against a schema; field errors in the DRF shape on failure. */
export function parseInput<S extends z.ZodType>(schema: S, body: unknown): Parsed<z.output<S>> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {
      ok: false,
      response: nonFieldError(`Invalid data. Expected a dictionary, but got ${typeName(body)}.`),
    };
  }
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, response: fieldErrors(fieldErrorsFrom(result.error)) };
}

/** readJsonBody then parseInput. */
export async function parseJsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<Parsed<z.output<S>>> {
  const body = await readJsonBody(request);
  return body.ok ? parseInput(schema, body.data) : body;
}
