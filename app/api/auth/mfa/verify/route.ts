import { verifySecondStep, type SecondStepProof } from "@/lib/auth/mfa/second-step";
import { CHECKS_A_CODE, codeRefusal } from "@/lib/api/second-factor";
import { deviceClaim, SIGN_IN_REFUSED, SESSION_STARTED, signInResponse } from "@/lib/api/sign-in";
import { DetailSchema, FieldErrorsSchema } from "@/lib/api-schemas";
import { answer, detail } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { MfaVerifySchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Second factor",
    summary: "The second step of a sign-in: a code, a recovery code or a passkey",
    description:
      "The `mfa_token` of the `mfa_required` answer with one of `code`, `recovery_code` or `passkey` (an assertion to the options of POST /api/auth/passkeys/login/options/). A wrong code leaves the token usable until it expires; the first step that passes spends it. A TOTP code is accepted once; a recovery code used sends a notice email. Wrong codes count toward the account lockout.",
    ...CHECKS_A_CODE,
    body: MfaVerifySchema,
    answers: [
      SESSION_STARTED,
      answer(
        400,
        '`{"code": ["Invalid code"]}`; `{"detail": "Invalid or expired token"}` for a spent, expired or unknown `mfa_token`; `{"detail": ..., "code": "passkey_verification_failed"}`; other field errors.',
        [FieldErrorsSchema, DetailSchema],
      ),
      SIGN_IN_REFUSED,
    ],
  },
  async ({ request, body, client }) => {
    const { mfa_token, code, recovery_code, passkey } = body;
    const proof: SecondStepProof = code !== undefined ? { code } : recovery_code !== undefined ? { recoveryCode: recovery_code } : { passkey: passkey! };
    const result = await verifySecondStep({ mfaToken: mfa_token, proof, client, device: deviceClaim(request) });
    if (!result.ok) {
      switch (result.reason) {
        case "invalid_token":
          return detail(400, "Invalid or expired token");
        case "invalid_passkey":
          return detail(400, "The passkey could not be verified.", "passkey_verification_failed");
        case "invalid_code":
        case "locked":
          return codeRefusal(result);
        case "email_not_verified":
        case "account_disabled":
          return signInResponse(result);
      }
    }
    return signInResponse(result);
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
