import { authenticateAccessToken } from "@/lib/auth/session";
import { revokeOtherSessions } from "@/lib/auth/session-list";
import { apiRoute, bearerToken, json, methodNotAllowed, requestClient, unauthorized } from "@/lib/http";

export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  return json({ revoked: await revokeOtherSessions(auth.user.id, auth.sessionId, requestClient(request)) });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
