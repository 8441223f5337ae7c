import { endSession } from "@/lib/auth/session";
import { apiRoute, bearerToken, clearRefreshCookie, json, refreshCookie, methodNotAllowed, requestClient } from "@/lib/http";

export const POST = apiRoute({ rateLimit: "api", crossSite: "refuse" }, async (request) => {
  await endSession({ refreshToken: refreshCookie(request), accessToken: bearerToken(request) || null }, requestClient(request));
  return clearRefreshCookie(json({ detail: "Logged out" }));
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
