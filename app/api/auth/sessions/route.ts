import { listUserSessions } from "@/lib/auth/session-list";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";

export const GET = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  return json(await listUserSessions(auth.user.id, auth.sessionId));
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
