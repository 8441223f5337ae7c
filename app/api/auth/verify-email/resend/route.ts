import { queueVerificationResend } from "@/lib/auth/claim";
import { authenticateAccessToken } from "@/lib/auth/session";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { json, unauthorized } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { bearerToken } from "@/lib/http/request";
import { ResendVerificationSchema } from "@/lib/validation";

const ANSWER = { message: "If that account exists and is not verified, we sent a new email." };

export const POST = apiRoute({ rateLimit: "email" }, async (request) => {
  const token = bearerToken(request);
  let target: { email: string } | { userId: number };
  if (token !== null) {
    const auth = await authenticateAccessToken(token);
    if (!auth.ok) return unauthorized(auth.reason);
    target = { userId: auth.user.id };
  } else {
    const input = await parseJsonBody(request, ResendVerificationSchema);
    if (!input.ok) return input.response;
    target = { email: input.data.email };
  }

  // The same answer whether there is an account, and whether its hourly email cap is spent.
  deliverAfterResponse(await queueVerificationResend(target));
  return json(ANSWER, { status: 202 });
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
