import { z } from "zod";
import {
  HEADER_DESCRIPTIONS,
  INTERNAL_ERROR,
  OPERATIONS,
  REQUEST_SCHEMAS,
  RESPONSE_SCHEMAS,
  detail,
  ref,
  type Auth,
  type JsonSchema,
  type Operation,
  type ResponseSpec,
  type Responses,
} from "./api-operations";

// The OpenAPI 3.1 document of the HTTP API, served at GET /api/openapi.json. Its JSON
// Schemas are generated (z.toJSONSchema) from the zod schemas that the routes parse
// requests with (lib/validation.ts) and that describe their responses
// (lib/api-schemas.ts); what each endpoint answers is the table in lib/api-operations.ts.
// The prose reference is docs/api.md.

/** Named zod schemas as JSON Schema 2020-12, cross-referencing each other by component. */
function componentSchemas(schemas: Record<string, z.ZodType>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` });
  // The document is the schema's context: no per-component dialect or id.
  return Object.fromEntries(Object.entries(converted).map(([id, { $schema, $id, ...rest }]) => [id, rest as JsonSchema]));
}

const SECURITY: Record<Auth, Array<Record<string, string[]>>> = {
  bearer: [{ bearer: [] }],
  optionalBearer: [{}, { bearer: [] }],
  refreshCookie: [{ refreshCookie: [] }],
  stateCookie: [{ stateCookie: [] }],
};

function mergeResponses(parts: Responses[]): Responses {
  const merged: Responses = { ...INTERNAL_ERROR };
  for (const part of parts) {
    for (const [status, spec] of Object.entries(part)) {
      const seen = merged[Number(status)];
      merged[Number(status)] = seen
        ? {
            description: `${seen.description} Or: ${spec.description}`,
            body: [...new Set([...(seen.body ?? []), ...(spec.body ?? [])])],
            headers: [...new Set([...(seen.headers ?? []), ...(spec.headers ?? [])])],
          }
        : spec;
    }
  }
  return merged;
}

function responseObject(spec: ResponseSpec): JsonSchema {
  const headers = spec.headers?.length
    ? Object.fromEntries(spec.headers.map((h) => [h, { description: HEADER_DESCRIPTIONS[h], schema: { type: "string" } }]))
    : undefined;
  const body = spec.body?.length ? spec.body : undefined;
  const schema = body && (body.length === 1 ? ref(body[0]!) : { anyOf: body.map(ref) });
  return { description: spec.description, headers, content: schema ? { "application/json": { schema } } : undefined };
}

const parameterSchema = (schema: z.ZodType) => {
  const { $schema, ...rest } = z.toJSONSchema(schema);
  return rest;
};

function operationObject(operation: Operation): JsonSchema {
  return {
    tags: [operation.tag],
    summary: operation.summary,
    description: operation.description,
    security: operation.auth ? SECURITY[operation.auth] : [],
    parameters: operation.parameters?.map(({ schema, required, ...p }) => ({ ...p, required: !!required, schema: parameterSchema(schema) })),
    requestBody: operation.body && {
      required: !operation.bodyOptional,
      content: { "application/json": { schema: ref(operation.body) } },
    },
    responses: Object.fromEntries(Object.entries(mergeResponses(operation.responses)).map(([s, spec]) => [s, responseObject(spec)])),
  };
}

const DESCRIPTION = `The HTTP API of Gatehouse, a self-hosted authentication server. Prose reference: docs/api.md in the repository.

Conventions that hold for every path: paths end in a slash, as listed (a request without it is redirected with 308; file-like paths such as this document and \`/.well-known/jwks.json\` have none). Request bodies are JSON. A method a path does not list answers 405 with an \`Allow\` header (\`#/components/responses/MethodNotAllowed\`); a CORS preflight answers 204 (\`#/components/responses/Preflight\`). Every response carries an \`X-Request-Id\` header, and API responses \`Cache-Control: no-store\` unless noted.`;

/** The document. `appUrl` fills in `servers` when the app serves it. */
export function buildOpenApiDocument(options: { appUrl?: string } = {}): JsonSchema {
  const paths = Object.fromEntries(
    Object.entries(OPERATIONS).map(([path, methods]) => [
      path,
      Object.fromEntries(Object.entries(methods).map(([method, operation]) => [method, operationObject(operation)])),
    ]),
  );
  return JSON.parse(
    JSON.stringify({
      openapi: "3.1.0",
      info: { title: "Gatehouse", version: "0.1.0", description: DESCRIPTION },
      servers: options.appUrl ? [{ url: options.appUrl }] : undefined,
      tags: ["Accounts", "Sessions", "Passwords", "Second factor", "Social login", "Administration", "Service"].map((name) => ({ name })),
      paths,
      components: {
        schemas: { ...componentSchemas(REQUEST_SCHEMAS, "input"), ...componentSchemas(RESPONSE_SCHEMAS, "output") },
        responses: {
          MethodNotAllowed: responseObject(detail('`{"detail": "Method \\"PUT\\" not allowed."}`', ["Allow"])),
          Preflight: { description: "A CORS preflight: empty, with CORS headers for an origin in `CORS_ALLOWED_ORIGINS`." },
        },
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The access token from login or refresh." },
          refreshCookie: { type: "apiKey", in: "cookie", name: "refresh_token", description: "Set by login; HttpOnly, Path=/api/auth/." },
          stateCookie: { type: "apiKey", in: "cookie", name: "oauth_state", description: "Set by the start of the browser flow; single use." },
        },
      },
    }),
  ) as JsonSchema;
}
