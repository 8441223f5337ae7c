import { confirmTotpSetup } from "@/lib/auth/mfa/enrolment";
import { CHECKS_A_CODE, codeRefusal, invalidCode, secondFactorOff } from "@/lib/api/second-factor";
import { RecoveryCodesSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { MfaCodeSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Second factor",
    summary: "Confirm TOTP with a first code: it is on, and ten recovery codes are shown once",
    description: "The user gets a notice email.",
    ...CHECKS_A_CODE,
    auth: "bearer",
    body: MfaCodeSchema,
    answers: [answer(200, "Ten recovery codes.", RecoveryCodesSchema), invalidCode('`{"detail": ..., "code": "totp_not_set_up"}` without a setup')],
  },
  async ({ auth, body, client }) => {
    const result = await confirmTotpSetup({ user: auth.user, code: body.code, client, sessionId: auth.sessionId });
    if (!result.ok) return result.reason === "no_setup" ? secondFactorOff("Start the setup first: there is no code to confirm.", "totp_not_set_up") : codeRefusal(result);
    return json({ recovery_codes: result.recoveryCodes });
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
