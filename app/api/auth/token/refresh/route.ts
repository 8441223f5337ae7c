import { rotateRefreshToken } from "@/lib/auth/session";
import {
  apiRoute,
  clearRefreshCookie,
  deliverAfterResponse,
  detail,
  refreshCookie,
  sessionResponse,
  methodNotAllowed,
  requestClient,
} from "@/lib/http";

export const POST = apiRoute({ rateLimit: "refresh", crossSite: "refuse" }, async (request) => {
  const token = refreshCookie(request);
  // The page's session hint may outlive the cookie (deleted by hand): it goes too.
  if (!token) return clearRefreshCookie(detail(400, "No refresh token"));

  const result = await rotateRefreshToken(token, Date.now(), requestClient(request));
  if (!result.ok) {
    if (result.reason === "reused") deliverAfterResponse(result.emailId);
    return clearRefreshCookie(detail(401, "Invalid refresh token", "token_not_valid"));
  }
  // Inside the reuse grace window there is no new refresh token: no Set-Cookie.
  return sessionResponse({ access: result.access }, result);
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
