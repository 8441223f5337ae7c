import { listSecurityEvents } from "@/lib/auth/activity";
import { apiRoute, json, methodNotAllowed } from "@/lib/http";

export const GET = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  return json(await listSecurityEvents(auth.user.id));
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
