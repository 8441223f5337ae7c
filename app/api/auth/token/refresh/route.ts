import { rotateRefreshToken } from "@/lib/auth/session";
import { sessionResponse } from "@/lib/api/sign-in";
import { AccessResponseSchema } from "@/lib/api-schemas";
import { answer, detail, detailAnswer } from "@/lib/http/answers";
import { clearRefreshCookie, refreshCookie } from "@/lib/http/cookies";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const POST = apiRoute(
  {
    tag: "Sessions",
    summary: "Rotate the refresh cookie and get a new access token",
    description: "Within 30 seconds of a rotation the old token answers 200 without a Set-Cookie; later, it revokes the whole session.",
    rateLimit: "refresh",
    auth: "refreshCookie",
    crossSite: "refuse",
    answers: [
      answer(200, "A new access token, and the rotated refresh cookie (none inside the grace window).", AccessResponseSchema, ["Set-Cookie"]),
      detailAnswer(400, '`{"detail": "No refresh token"}`; the session hint is deleted.', ["Set-Cookie"]),
      detailAnswer(401, '`{"detail": "Invalid refresh token", "code": "token_not_valid"}`; the cookie is deleted.', ["Set-Cookie"]),
    ],
  },
  async ({ request, client }) => {
    const token = refreshCookie(request);
    // The page's session hint may outlive the cookie (deleted by hand): it goes too.
    if (!token) return clearRefreshCookie(detail(400, "No refresh token"));
    const result = await rotateRefreshToken(token, Date.now(), client);
    if (!result.ok) {
      return clearRefreshCookie(detail(401, "Invalid refresh token", "token_not_valid"));
    }
    // Inside the reuse grace window there is no new refresh token: no Set-Cookie.
    return sessionResponse({ access: result.access }, result);
  },
);
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
