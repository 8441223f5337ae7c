import { getMfaStatus } from "@/lib/auth/mfa/status";
import { authenticateAccessToken } from "@/lib/auth/session";
import { apiRoute, bearerToken, json, methodNotAllowed, unauthorized } from "@/lib/http";

export const GET = apiRoute({ rateLimit: "api" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  return json(await getMfaStatus(auth.user));
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
