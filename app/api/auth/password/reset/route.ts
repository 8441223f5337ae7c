import { requestPasswordReset } from "@/lib/auth/password-reset";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { PasswordResetRequestSchema } from "@/lib/validation";

const ANSWER = { message: "If that account exists, we sent a link to reset its password." };

export const POST = apiRoute({ rateLimit: "email" }, async (request) => {
  const input = await parseJsonBody(request, PasswordResetRequestSchema);
  if (!input.ok) return input.response;

  // The same answer whether there is an account, and whether its hourly email cap is spent.
  deliverAfterResponse(await requestPasswordReset(input.data.email));
  return json(ANSWER, { status: 202 });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
