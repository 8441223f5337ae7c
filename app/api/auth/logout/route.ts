import { endSession } from "@/lib/auth/session";
import { apiRoute, bearerToken, clearRefreshCookie, crossSiteRefusal, json, refreshCookie, methodNotAllowed, requestClient } from "@/lib/http";

export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const refused = crossSiteRefusal(request);
  if (refused) return refused;

  await endSession({ refreshToken: refreshCookie(request), accessToken: bearerToken(request) || null }, requestClient(request));
  return clearRefreshCookie(json({ detail: "Logged out" }));
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
