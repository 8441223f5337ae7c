import { publicJwks } from "@/lib/auth/tokens";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";

export const GET = apiRoute({}, async () =>
  // Verifiers may cache the key set for a few minutes; a rotated key appears within that.
  json(await publicJwks(), { headers: { "Cache-Control": "public, max-age=300" } }),
);
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
