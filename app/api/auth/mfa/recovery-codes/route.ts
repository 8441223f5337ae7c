import { regenerateRecoveryCodes } from "@/lib/auth/mfa/second-factor";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { codeRefusal, secondFactorOff } from "@/lib/api/second-factor";
import { MfaCodeSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "mfa", auth: "bearer" }, async (request, _context, auth) => {
  const input = await parseJsonBody(request, MfaCodeSchema);
  if (!input.ok) return input.response;
  const result = await regenerateRecoveryCodes({ user: auth.user, code: input.data.code });
  if (!result.ok) return result.reason === "no_setup" ? secondFactorOff("Two-step verification is not on.", "totp_not_enabled") : codeRefusal(result);
  return json({ recovery_codes: result.recoveryCodes });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
