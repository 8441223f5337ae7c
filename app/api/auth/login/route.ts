import { loginWithPassword } from "@/lib/auth/login";
import { apiRoute, deviceClaim, methodNotAllowed, nonFieldError, parseJsonBody, requestClient, signInResponse, tooManyRequests } from "@/lib/http";
import { LoginSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "login" }, async (request) => {
  const input = await parseJsonBody(request, LoginSchema);
  if (!input.ok) return input.response;

  // A browser that signed in to this account before keeps a lockout budget of its own (docs/decisions/025).
  const result = await loginWithPassword(input.data, requestClient(request), { device: deviceClaim(request) });
  if (!result.ok && result.reason === "locked") return tooManyRequests(result.retryAfter);
  if (!result.ok && result.reason === "invalid_credentials") return nonFieldError("Invalid credentials");
  return signInResponse(result);
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
