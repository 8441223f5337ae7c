import { confirmTotpSetup } from "@/lib/auth/mfa/second-factor";
import { apiRoute, codeRefusal, deliverAfterResponse, json, methodNotAllowed, parseJsonBody, requestClient, secondFactorOff } from "@/lib/http";
import { MfaCodeSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "mfa", auth: "bearer" }, async (request, _context, auth) => {
  const input = await parseJsonBody(request, MfaCodeSchema);
  if (!input.ok) return input.response;
  const result = await confirmTotpSetup({ user: auth.user, code: input.data.code, client: requestClient(request), sessionId: auth.sessionId });
  if (!result.ok) return result.reason === "no_setup" ? secondFactorOff("Start the setup first: there is no code to confirm.", "totp_not_set_up") : codeRefusal(result);
  deliverAfterResponse(result.emailId);
  return json({ recovery_codes: result.recoveryCodes });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
