import { apiRoute, json, methodNotAllowed } from "@/lib/http";
import { listAppsWithAccess } from "@/lib/oidc/apps";

export const GET = apiRoute({ rateLimit: "api", auth: "bearer" }, async (_request, _context, auth) => {
  return json(await listAppsWithAccess(auth.user.id));
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
