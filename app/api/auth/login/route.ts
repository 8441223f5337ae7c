import { loginWithPassword } from "@/lib/auth/login";
import { toPublicUser } from "@/lib/auth/user";
import { apiRoute, clientIp, detail, nonFieldError, parseJsonBody, sessionResponse, tooManyRequests, userAgent, methodNotAllowed } from "@/lib/http";
import { LoginSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "login" }, async (request) => {
  const input = await parseJsonBody(request, LoginSchema);
  if (!input.ok) return input.response;

  const result = await loginWithPassword(input.data, { userAgent: userAgent(request), ip: clientIp(request) });
  if (!result.ok) {
    switch (result.reason) {
      case "locked":
        return tooManyRequests(result.retryAfter);
      case "email_not_verified":
        return detail(403, "Email not verified", "email_not_verified");
      case "invalid_credentials":
        return nonFieldError("Invalid credentials");
    }
  }
  return sessionResponse({ access: result.grant.access, user: toPublicUser(result.user) }, result.grant);
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
