import { authenticateAccessToken } from "@/lib/auth/session";
import { getProfile } from "@/lib/auth/user";
import { apiRoute, bearerToken, json, unauthorized, methodNotAllowed } from "@/lib/http";

export const GET = apiRoute({ rateLimit: "api" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  return json(await getProfile(auth.user));
});
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
