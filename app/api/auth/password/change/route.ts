import { changePassword } from "@/lib/auth/password-reset";
import { authenticateAccessToken } from "@/lib/auth/session";
import {
  apiRoute,
  bearerToken,
  deliverAfterResponse,
  fieldErrors,
  json,
  methodNotAllowed,
  parseJsonBody,
  requestClient,
  tooManyRequests,
  unauthorized,
} from "@/lib/http";
import { PasswordChangeSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "password-change" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  const input = await parseJsonBody(request, PasswordChangeSchema);
  if (!input.ok) return input.response;

  const result = await changePassword({
    user: auth.user,
    sessionId: auth.sessionId,
    currentPassword: input.data.current_password,
    newPassword: input.data.new_password,
    client: requestClient(request),
  });
  if (!result.ok) return result.reason === "locked" ? tooManyRequests(result.retryAfter) : fieldErrors(result.errors);
  deliverAfterResponse(result.emailId);
  return json({ message: "Password updated" });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
