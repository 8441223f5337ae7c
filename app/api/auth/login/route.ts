import { loginWithPassword } from "@/lib/auth/login";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { nonFieldError, tooManyRequests } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { requestClient } from "@/lib/http/request";
import { signInResponse } from "@/lib/api/sign-in";
import { LoginSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "login" }, async (request) => {
  const input = await parseJsonBody(request, LoginSchema);
  if (!input.ok) return input.response;

  const result = await loginWithPassword(input.data, requestClient(request));
  if (!result.ok && result.reason === "locked") return tooManyRequests(result.retryAfter);
  if (!result.ok && result.reason === "invalid_credentials") return nonFieldError("Invalid credentials");
  return signInResponse(result);
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
