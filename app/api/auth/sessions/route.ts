import { authenticateAccessToken } from "@/lib/auth/session";
import { listUserSessions } from "@/lib/auth/session-list";
import { apiRoute, bearerToken, json, methodNotAllowed, unauthorized } from "@/lib/http";

export const GET = apiRoute({ rateLimit: "api" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  return json(await listUserSessions(auth.user.id, auth.sessionId));
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
