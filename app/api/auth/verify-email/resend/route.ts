import { after } from "next/server";
import { queueVerificationResend } from "@/lib/auth/email-verification";
import { consumeRateLimit } from "@/lib/auth/rate-limit";
import { authenticateAccessToken } from "@/lib/auth/session";
import { deliverEmail } from "@/lib/email/send";
import { apiRoute, bearerToken, json, parseJsonBody, tooManyRequests, unauthorized, methodNotAllowed } from "@/lib/http";
import { ResendVerificationSchema } from "@/lib/validation";

const ANSWER = { message: "If that account exists and is not verified, we sent a new email." };

export const POST = apiRoute({ rateLimit: "email" }, async (request) => {
  const token = bearerToken(request);
  let target: { email: string } | { userId: number };
  let address: string;
  if (token !== null) {
    const auth = await authenticateAccessToken(token);
    if (!auth.ok) return unauthorized(auth.reason);
    target = { userId: auth.user.id };
    address = auth.user.email;
  } else {
    const input = await parseJsonBody(request, ResendVerificationSchema);
    if (!input.ok) return input.response;
    target = { email: input.data.email };
    address = input.data.email;
  }

  // Counted per address whether or not it has an account, so a 429 reveals nothing.
  const limited = await consumeRateLimit("email-address", address.toLowerCase());
  if (limited) return tooManyRequests(limited.retryAfter);

  const emailId = queueVerificationResend(target);
  if (emailId !== null) after(() => deliverEmail(emailId));
  return json(ANSWER, { status: 202 });
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
