import { listSecurityEvents } from "@/lib/auth/activity";
import { authenticateAccessToken } from "@/lib/auth/session";
import { apiRoute, bearerToken, json, methodNotAllowed, unauthorized } from "@/lib/http";

export const GET = apiRoute({ rateLimit: "api" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  return json(await listSecurityEvents(auth.user.id));
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
