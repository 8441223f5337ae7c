import { getEnv } from "@/lib/env";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";
import { buildOpenApiDocument } from "@/lib/openapi";
import { singleton } from "@/lib/singleton";

// The API described by the zod schemas it runs on (lib/openapi.ts); built once per process.
export const GET = apiRoute({}, () => json(singleton("openapi", () => buildOpenApiDocument({ appUrl: getEnv().APP_URL }))));
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
