import { authenticateAccessToken, revokeUserSessions } from "@/lib/auth/session";
import { apiRoute, bearerToken, json, methodNotAllowed, unauthorized } from "@/lib/http";

export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  return json({ revoked: await revokeUserSessions(auth.user.id, { exceptSessionId: auth.sessionId }) });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
