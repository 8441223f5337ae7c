import { confirmTotpSetup } from "@/lib/auth/mfa/second-factor";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { requestClient } from "@/lib/http/request";
import { codeRefusal, secondFactorOff } from "@/lib/api/second-factor";
import { MfaCodeSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "mfa", auth: "bearer" }, async (request, _context, auth) => {
  const input = await parseJsonBody(request, MfaCodeSchema);
  if (!input.ok) return input.response;
  const result = await confirmTotpSetup({ user: auth.user, code: input.data.code, client: requestClient(request) });
  if (!result.ok) return result.reason === "no_setup" ? secondFactorOff("Start the setup first: there is no code to confirm.", "totp_not_set_up") : codeRefusal(result);
  deliverAfterResponse(result.emailId);
  return json({ recovery_codes: result.recoveryCodes });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
