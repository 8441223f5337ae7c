import { regenerateRecoveryCodes } from "@/lib/auth/mfa/enrolment";
import { CHECKS_A_CODE, codeRefusal, invalidCode, secondFactorOff } from "@/lib/api/second-factor";
import { RecoveryCodesSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { MfaCodeSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Second factor",
    summary: "Ten new recovery codes for a current TOTP code; the old ones stop working",
    ...CHECKS_A_CODE,
    auth: "bearer",
    body: MfaCodeSchema,
    answers: [answer(200, "Ten recovery codes.", RecoveryCodesSchema), invalidCode('`{"detail": ..., "code": "totp_not_enabled"}`')],
  },
  async ({ auth, body, client }) => {
    const result = await regenerateRecoveryCodes({ user: auth.user, code: body.code, client });
    if (!result.ok) return result.reason === "no_setup" ? secondFactorOff("Two-step verification is not on.", "totp_not_enabled") : codeRefusal(result);
    return json({ recovery_codes: result.recoveryCodes });
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
