import { confirmPasswordReset } from "@/lib/auth/password-reset";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { detail, fieldErrors, json } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { requestClient } from "@/lib/http/request";
import { PasswordResetConfirmSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const input = await parseJsonBody(request, PasswordResetConfirmSchema);
  if (!input.ok) return input.response;

  const result = await confirmPasswordReset({ ...input.data, client: requestClient(request) });
  if (!result.ok) {
    return result.reason === "invalid_password" ? fieldErrors(result.errors) : detail(400, "Invalid or expired token");
  }
  deliverAfterResponse(result.emailId);
  return json({ message: "Password updated" });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
