import "server-only";
import { z } from "zod";
import * as Bodies from "./api-schemas";
import type { Answer, Header } from "./http/answers";
import { REFRESH_COOKIE, REFRESH_COOKIE_PATH, SESSION_HINT_COOKIE, STATE_COOKIE } from "./http/cookies";
import type { Declaration, RouteContract, Tag } from "./http/route";
import {
  AdminActionSchema,
  AdminDisableSchema,
  AdminRoleSchema,
  CodeExchangeSchema,
  DeleteAccountSchema,
  EmailChangeSchema,
  LinkTokenRequestSchema,
  LoginSchema,
  MfaCodeSchema,
  MfaVerifySchema,
  PasskeyLoginSchema,
  PasskeyRegisterSchema,
  PasswordChangeSchema,
  PasswordResetConfirmSchema,
  PasswordResetRequestSchema,
  ProfileUpdateSchema,
  ReauthenticateSchema,
  RegisterSchema,
  ResendVerificationSchema,
} from "./validation";

// The OpenAPI 3.1 document of the HTTP API, served at GET /api/openapi.json, written from
// the routes' own declarations (apiRoute, lib/http/route.ts): each route module hands in
// its handlers, each handler carries its contract and every answer it gives. The JSON
// Schemas are generated (z.toJSONSchema) from the zod schemas the routes parse requests
// with (lib/validation.ts) and describe their answers with (lib/api-schemas.ts). The
// prose reference is docs/api.md.

/** The document's names for the schemas it shows, in the order it lists them. */
const REQUEST_SCHEMAS = {
  RegisterRequest: RegisterSchema,
  LoginRequest: LoginSchema,
  LinkTokenRequest: LinkTokenRequestSchema,
  ResendVerificationRequest: ResendVerificationSchema,
  PasswordResetRequest: PasswordResetRequestSchema,
  PasswordResetConfirmRequest: PasswordResetConfirmSchema,
  PasswordChangeRequest: PasswordChangeSchema,
  CodeExchangeRequest: CodeExchangeSchema,
  MfaCodeRequest: MfaCodeSchema,
  ReauthenticateRequest: ReauthenticateSchema,
  PasskeyRegisterRequest: PasskeyRegisterSchema,
  MfaVerifyRequest: MfaVerifySchema,
  PasskeyLoginRequest: PasskeyLoginSchema,
  ProfileUpdateRequest: ProfileUpdateSchema,
  EmailChangeRequest: EmailChangeSchema,
  DeleteAccountRequest: DeleteAccountSchema,
  AdminActionRequest: AdminActionSchema,
  AdminDisableRequest: AdminDisableSchema,
  AdminRoleRequest: AdminRoleSchema,
} satisfies Record<string, z.ZodType>;

const RESPONSE_SCHEMAS = {
  Detail: Bodies.DetailSchema,
  FieldErrors: Bodies.FieldErrorsSchema,
  Message: Bodies.MessageSchema,
  PublicUser: Bodies.PublicUserSchema,
  Profile: Bodies.ProfileSchema,
  LoginResponse: Bodies.LoginResponseSchema,
  MfaRequired: Bodies.MfaRequiredSchema,
  AccessResponse: Bodies.AccessResponseSchema,
  VerificationLinkState: Bodies.VerificationLinkStateSchema,
  ResetLinkState: Bodies.ResetLinkStateSchema,
  SessionSummary: Bodies.SessionSummarySchema,
  SessionList: Bodies.SessionListSchema,
  RevokedCount: Bodies.RevokedCountSchema,
  AppAccessList: Bodies.AppAccessListSchema,
  Health: Bodies.HealthSchema,
  HealthUnavailable: Bodies.HealthUnavailableSchema,
  Jwks: Bodies.JwksSchema,
  MfaStatus: Bodies.MfaStatusSchema,
  TotpSetup: Bodies.TotpSetupSchema,
  RecoveryCodes: Bodies.RecoveryCodesSchema,
  PasskeySummary: Bodies.PasskeySummarySchema,
  PasskeyCreationOptions: Bodies.PasskeyCreationOptionsSchema,
  PasskeyRequestOptions: Bodies.PasskeyRequestOptionsSchema,
  ActivityItem: Bodies.ActivityItemSchema,
  ActivityList: Bodies.ActivityListSchema,
  OpenApiDocument: Bodies.OpenApiDocumentSchema,
  PendingEmailChange: Bodies.PendingEmailChangeSchema,
  AccountExport: Bodies.AccountExportSchema,
  AdminUser: Bodies.AdminUserSchema,
  AdminUserDetail: Bodies.AdminUserDetailSchema,
  AdminUserPage: Bodies.AdminUserPageSchema,
  AuditEntry: Bodies.AuditEntrySchema,
  AuditPage: Bodies.AuditPageSchema,
} satisfies Record<string, z.ZodType>;

type JsonSchema = Record<string, unknown>;

/** A route module as the document reads it: its handlers, the declared ones carrying their declaration. */
export type RouteModule = Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", ((...args: never[]) => unknown) & { declaration?: Declaration }>>;

/** Every API route module by the path Next serves it at, in the order the document lists them. */
export type ApiRoutes = Record<string, RouteModule>;

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

const TAGS: Tag[] = ["Accounts", "Sessions", "Passwords", "Second factor", "Social login", "Administration", "Service"];

const HEADER_DESCRIPTIONS: Record<Header, string> = {
  "Retry-After": "Seconds to wait before trying again.",
  "Set-Cookie": `The refresh cookie (\`${REFRESH_COOKIE}\`, HttpOnly, SameSite=Lax, Path=${REFRESH_COOKIE_PATH}) or its deletion (Max-Age=0), each with the pages' session hint (\`${SESSION_HINT_COOKIE}=1\`, readable by scripts, Path=/, the same lifetime): not a credential.`,
  Location: "Where the browser goes next.",
  "WWW-Authenticate": 'Bearer realm="api"',
  Allow: "The methods the path serves.",
  "Content-Disposition": '`attachment; filename="gatehouse-account-<id>-<date>.json"`: a download.',
  Link: 'RFC 8288 links to the neighbouring pages: `</api/auth/activity/?before=…>; rel="next"` (older), `</api/auth/activity/?after=…>; rel="prev"` (newer), each only when there is such a page.',
};

const SECURITY: Record<NonNullable<RouteContract["auth"]>, Array<Record<string, string[]>>> = {
  bearer: [{ bearer: [] }],
  optionalBearer: [{}, { bearer: [] }],
  admin: [{ bearer: [] }],
  refreshCookie: [{ refreshCookie: [] }],
  stateCookie: [{ stateCookie: [] }],
};

const NAMES = new Map<z.ZodType, string>(Object.entries({ ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS }).map(([name, schema]) => [schema, name]));

function ref(schema: z.ZodType): JsonSchema {
  const name = NAMES.get(schema);
  // A route that answers with a schema the document does not name fails here, in the unit test.
  if (!name) throw new Error(`lib/openapi.ts names no schema ${JSON.stringify(z.toJSONSchema(schema)).slice(0, 120)}: add it to REQUEST_SCHEMAS or RESPONSE_SCHEMAS`);
  return { $ref: `#/components/schemas/${name}` };
}

/** Named zod schemas as JSON Schema 2020-12, cross-referencing each other by component. */
function componentSchemas(schemas: Record<string, z.ZodType>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` });
  // The document is the schema's context: no per-component dialect or id.
  return Object.fromEntries(Object.entries(converted).map(([id, { $schema, $id, ...rest }]) => [id, rest as JsonSchema]));
}

type Merged = { description: string; body: z.ZodType[]; headers: Header[] };

/** A route's answers by status; answers of one status are joined ("… Or: …"). */
function byStatus(answers: readonly Answer[]): Map<number, Merged> {
  const merged = new Map<number, Merged>();
  for (const answer of answers) {
    const seen = merged.get(answer.status);
    merged.set(
      answer.status,
      seen
        ? {
            description: `${seen.description} Or: ${answer.description}`,
            body: [...new Set([...seen.body, ...answer.body])],
            headers: [...new Set([...seen.headers, ...answer.headers])],
          }
        : { description: answer.description, body: [...answer.body], headers: [...answer.headers] },
    );
  }
  return merged;
}

function responseObject(answer: Merged): JsonSchema {
  const headers = answer.headers.length
    ? Object.fromEntries(answer.headers.map((h) => [h, { description: HEADER_DESCRIPTIONS[h], schema: { type: "string" } }]))
    : undefined;
  const schema = answer.body.length === 0 ? undefined : answer.body.length === 1 ? ref(answer.body[0]!) : { anyOf: answer.body.map(ref) };
  return { description: answer.description, headers, content: schema ? { "application/json": { schema } } : undefined };
}

const parameterSchema = (schema: z.ZodType) => {
  const { $schema, ...rest } = z.toJSONSchema(schema);
  return rest;
};

function parameters(declaration: Declaration): JsonSchema[] | undefined {
  const list = [
    ...Object.entries(declaration.params ?? {}).map(([name, p]) => ({ name, in: "path", description: p.description, required: true, schema: parameterSchema(p.schema) })),
    ...Object.entries(declaration.query ?? {}).map(([name, p]) => ({ name, in: "query", description: p.description, required: false, schema: parameterSchema(p.schema) })),
  ];
  return list.length ? list : undefined;
}

function operationObject(declaration: Declaration): JsonSchema {
  const responses = [...byStatus(declaration.answers)].sort(([a], [b]) => a - b);
  return {
    tags: [declaration.tag],
    summary: declaration.summary,
    description: declaration.description,
    security: declaration.auth ? SECURITY[declaration.auth] : [],
    parameters: parameters(declaration),
    requestBody: declaration.body && {
      // With an optional Bearer token, the token names the account and no body is read. An
      // empty body reads as `{}` (lib/http/body.ts): one whose fields are all optional
      // (an administrator's action with its reason left out) need not be sent.
      required: declaration.auth !== "optionalBearer" && !declaration.body.safeParse({}).success,
      content: { "application/json": { schema: ref(declaration.body) } },
    },
    responses: Object.fromEntries(responses.map(([status, answer]) => [status, responseObject(answer)])),
  };
}

/** Every path's declared methods, as `[path, method, declaration]`, in the document's order. */
export function declaredOperations(routes: ApiRoutes): Array<[path: string, method: (typeof METHODS)[number], declaration: Declaration]> {
  return Object.entries(routes).flatMap(([path, module]) =>
    METHODS.flatMap((method) => {
      const declaration = module[method]?.declaration;
      return declaration ? [[path, method, declaration] as [string, (typeof METHODS)[number], Declaration]] : [];
    }),
  );
}

const DESCRIPTION = `The HTTP API of Gatehouse, a self-hosted authentication server. Prose reference: docs/api.md in the repository.

Conventions that hold for every path: paths end in a slash, as listed (a request without it is redirected with 308; file-like paths such as this document and \`/.well-known/jwks.json\` have none). Request bodies are JSON. A method a path does not list answers 405 with an \`Allow\` header (\`#/components/responses/MethodNotAllowed\`); a CORS preflight answers 204 (\`#/components/responses/Preflight\`). Every response carries an \`X-Request-Id\` header, and API responses \`Cache-Control: no-store\` unless noted.`;

/** The document of `routes`. `appUrl` fills in `servers` when the app serves it. */
export function buildOpenApiDocument(routes: ApiRoutes, options: { appUrl?: string } = {}): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [path, method, declaration] of declaredOperations(routes)) (paths[path] ??= {})[method.toLowerCase()] = operationObject(declaration);
  return JSON.parse(
    JSON.stringify({
      openapi: "3.1.0",
      info: { title: "Gatehouse", version: "0.1.0", description: DESCRIPTION },
      servers: options.appUrl ? [{ url: options.appUrl }] : undefined,
      tags: TAGS.map((name) => ({ name })),
      paths,
      components: {
        schemas: { ...componentSchemas(REQUEST_SCHEMAS, "input"), ...componentSchemas(RESPONSE_SCHEMAS, "output") },
        responses: {
          MethodNotAllowed: responseObject({ description: '`{"detail": "Method \\"PUT\\" not allowed."}`', body: [Bodies.DetailSchema], headers: ["Allow"] }),
          Preflight: { description: "A CORS preflight: empty, with CORS headers for an origin in `CORS_ALLOWED_ORIGINS`." },
        },
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The access token from login or refresh." },
          refreshCookie: { type: "apiKey", in: "cookie", name: REFRESH_COOKIE, description: `Set by login; HttpOnly, Path=${REFRESH_COOKIE_PATH}.` },
          stateCookie: { type: "apiKey", in: "cookie", name: STATE_COOKIE, description: "Set by the start of the browser flow; single use." },
        },
      },
    }),
  ) as JsonSchema;
}
