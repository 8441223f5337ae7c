import { revokeOtherSessions } from "@/lib/auth/session-list";
import { apiRoute, json, methodNotAllowed, requestClient } from "@/lib/http";

export const POST = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  return json({ revoked: await revokeOtherSessions(auth.user.id, auth.sessionId, requestClient(request)) });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
