import { regenerateRecoveryCodes } from "@/lib/auth/mfa/second-factor";
import { authenticateAccessToken } from "@/lib/auth/session";
import { apiRoute, bearerToken, codeRefusal, json, methodNotAllowed, parseJsonBody, secondFactorOff, unauthorized } from "@/lib/http";
import { MfaCodeSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "mfa" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  const input = await parseJsonBody(request, MfaCodeSchema);
  if (!input.ok) return input.response;
  const result = await regenerateRecoveryCodes({ user: auth.user, code: input.data.code });
  if (!result.ok) return result.reason === "no_setup" ? secondFactorOff("Two-step verification is not on.", "totp_not_enabled") : codeRefusal(result);
  return json({ recovery_codes: result.recoveryCodes });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
