import { after } from "next/server";
import { changePassword } from "@/lib/auth/password-reset";
import { authenticateAccessToken } from "@/lib/auth/session";
import { deliverEmail } from "@/lib/email/send";
import { apiRoute, bearerToken, fieldErrors, json, methodNotAllowed, parseJsonBody, unauthorized } from "@/lib/http";
import { PasswordChangeSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "login" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  const input = await parseJsonBody(request, PasswordChangeSchema);
  if (!input.ok) return input.response;

  const result = await changePassword({
    user: auth.user,
    sessionId: auth.sessionId,
    currentPassword: input.data.current_password,
    newPassword: input.data.new_password,
  });
  if (!result.ok) return fieldErrors(result.errors);
  after(() => deliverEmail(result.emailId));
  return json({ message: "Password updated" });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
