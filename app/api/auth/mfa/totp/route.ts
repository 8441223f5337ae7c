import { disableTotp } from "@/lib/auth/mfa/enrolment";
import { CHECKS_A_CODE, codeRefusal, invalidCode, secondFactorOff } from "@/lib/api/second-factor";
import { answer, noContent } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { MfaCodeSchema } from "@/lib/validation";

export const DELETE = apiRoute(
  {
    tag: "Second factor",
    summary: "Turn TOTP off with a current code or a recovery code",
    description: "The recovery codes are deleted too; the user gets a notice email.",
    ...CHECKS_A_CODE,
    auth: "bearer",
    body: MfaCodeSchema,
    answers: [answer(204, "Off."), invalidCode('`{"detail": ..., "code": "totp_not_enabled"}`')],
  },
  async ({ auth, body, client }) => {
    const result = await disableTotp({ user: auth.user, code: body.code, client });
    if (!result.ok) return result.reason === "no_setup" ? secondFactorOff("Two-step verification is not on.", "totp_not_enabled") : codeRefusal(result);
    return noContent();
  },
);

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
