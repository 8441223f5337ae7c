import { rotateRefreshToken } from "@/lib/auth/session";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { detail } from "@/lib/http/answers";
import { clearRefreshCookie, refreshCookie } from "@/lib/http/cookies";
import { requestClient } from "@/lib/http/request";
import { sessionResponse } from "@/lib/api/sign-in";

export const POST = apiRoute({ rateLimit: "refresh", crossSite: "refuse" }, async (request) => {
  const token = refreshCookie(request);
  if (!token) return detail(400, "No refresh token");

  const result = await rotateRefreshToken(token, Date.now(), requestClient(request));
  if (!result.ok) {
    if (result.reason === "reused") deliverAfterResponse(result.emailId);
    return clearRefreshCookie(detail(401, "Invalid refresh token", "token_not_valid"));
  }
  // Inside the reuse grace window there is no new refresh token: no Set-Cookie.
  return sessionResponse({ access: result.access }, result);
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
