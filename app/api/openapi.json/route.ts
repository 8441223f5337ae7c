import { OpenApiDocumentSchema } from "@/lib/api-schemas";
import { getEnv } from "@/lib/env";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed, type RouteHandler } from "@/lib/http/route";
import { buildOpenApiDocument } from "@/lib/openapi";
import { singleton } from "@/lib/singleton";
import { API_ROUTES } from "./routes";

// The API as its routes declare it (lib/openapi.ts), this one last; built once per process.
export const GET: RouteHandler<Record<string, never>> = apiRoute(
  { tag: "Service", summary: "This document", answers: [answer(200, "The OpenAPI 3.1 document.", OpenApiDocumentSchema)] },
  () => json(singleton("openapi", () => buildOpenApiDocument({ ...API_ROUTES, "/api/openapi.json": { GET } }, { appUrl: getEnv().APP_URL }))),
);
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
