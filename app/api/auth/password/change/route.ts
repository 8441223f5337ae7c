import { changePassword } from "@/lib/auth/password-reset";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { fieldErrors, json, tooManyRequests } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { requestClient } from "@/lib/http/request";
import { PasswordChangeSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "password-change", auth: "bearer" }, async (request, _context, auth) => {
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
