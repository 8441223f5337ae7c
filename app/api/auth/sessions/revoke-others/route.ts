import { revokeOtherSessions } from "@/lib/auth/session-list";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";
import { requestClient } from "@/lib/http/request";

export const POST = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  return json({ revoked: await revokeOtherSessions(auth.user.id, auth.sessionId, requestClient(request)) });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
