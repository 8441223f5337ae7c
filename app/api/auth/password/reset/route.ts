import { requestPasswordReset } from "@/lib/auth/password-reset";
import { apiRoute, deliverAfterResponse, json, deviceClaim, methodNotAllowed, parseJsonBody } from "@/lib/http";
import { PasswordResetRequestSchema } from "@/lib/validation";

const ANSWER = { message: "If that account exists, we sent a link to reset its password." };

export const POST = apiRoute({ rateLimit: "email" }, async (request) => {
  const input = await parseJsonBody(request, PasswordResetRequestSchema);
  if (!input.ok) return input.response;

  // The same answer whether there is an account, and whether its hourly email cap is spent.
  deliverAfterResponse(await requestPasswordReset(input.data.email, { device: deviceClaim(request) }));
  return json(ANSWER, { status: 202 });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
