import { endSession } from "@/lib/auth/session";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";
import { clearRefreshCookie, refreshCookie } from "@/lib/http/cookies";
import { bearerToken, requestClient } from "@/lib/http/request";

export const POST = apiRoute({ rateLimit: "api", crossSite: "refuse" }, async (request) => {
  await endSession({ refreshToken: refreshCookie(request), accessToken: bearerToken(request) || null }, requestClient(request));
  return clearRefreshCookie(json({ detail: "Logged out" }));
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
