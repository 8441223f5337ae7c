import { endSession } from "@/lib/auth/session";
import { DetailSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { clearRefreshCookie, refreshCookie } from "@/lib/http/cookies";
import { bearerToken } from "@/lib/http/request";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const POST = apiRoute(
  {
    tag: "Sessions",
    summary: "End the session and delete the refresh cookie",
    description: "Always 200: the session of the refresh cookie (or else of the Bearer token) is revoked if there is one.",
    rateLimit: "api",
    crossSite: "refuse",
    answers: [answer(200, '`{"detail": "Logged out"}`', DetailSchema, ["Set-Cookie"])],
  },
  async ({ request, client }) => {
    await endSession({ refreshToken: refreshCookie(request), accessToken: bearerToken(request) || null }, client);
    return clearRefreshCookie(json({ detail: "Logged out" }));
  },
);
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
