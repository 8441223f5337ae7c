import { after } from "next/server";
import { requestPasswordReset } from "@/lib/auth/password-reset";
import { consumeRateLimit } from "@/lib/auth/rate-limit";
import { deliverEmail } from "@/lib/email/send";
import { apiRoute, json, methodNotAllowed, parseJsonBody, tooManyRequests } from "@/lib/http";
import { PasswordResetRequestSchema } from "@/lib/validation";

const ANSWER = { message: "If that account exists, we sent a link to reset its password." };

export const POST = apiRoute({ rateLimit: "email" }, async (request) => {
  const input = await parseJsonBody(request, PasswordResetRequestSchema);
  if (!input.ok) return input.response;

  // Counted per address whether or not it has an account, so a 429 reveals nothing.
  const limited = await consumeRateLimit("email-address", input.data.email.toLowerCase());
  if (limited) return tooManyRequests(limited.retryAfter);

  const emailId = requestPasswordReset(input.data.email);
  if (emailId !== null) after(() => deliverEmail(emailId));
  return json(ANSWER, { status: 202 });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
