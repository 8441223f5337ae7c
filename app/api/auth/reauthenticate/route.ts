import { reauthenticate } from "@/lib/auth/reauth";
import { CHECKS_A_CODE, codeRefusal, secondFactorOff } from "@/lib/api/second-factor";
import { DetailSchema, FieldErrorsSchema, MessageSchema } from "@/lib/api-schemas";
import { answer, detail, fieldErrors, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { ReauthenticateSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Sessions",
    summary: "Prove who you are again inside this session (for sensitive changes)",
    description:
      "`{\"password\": ...}`, with two-step verification on `{\"code\": \"123456\"}`, or `{\"passkey\": <assertion>}` (one of the user's passkeys, to the options of POST /api/auth/passkeys/login/options/). The session then counts as a recent sign-in for `REAUTH_MAX_AGE`. With two-step verification on, only a code or a passkey counts (the strongest factor the account has). Wrong answers count toward the account's lockout.",
    ...CHECKS_A_CODE,
    auth: "bearer",
    body: ReauthenticateSchema,
    hashesPasswords: true,
    answers: [
      answer(200, '`{"message": "Identity confirmed"}`', MessageSchema),
      answer(
        400,
        '`{"password": ["Incorrect password"]}`, `{"code": ["Invalid code"]}`, `non_field_errors` when neither or both are sent, or `{"detail": ..., "code": "no_password" | "totp_not_enabled" | "second_factor_required" | "passkey_verification_failed"}` (`second_factor_required`: with two-step verification on, the password alone does not confirm it; send a code or a passkey).',
        [FieldErrorsSchema, DetailSchema],
      ),
    ],
  },
  async ({ auth, body }) => {
    const { password, code, passkey } = body;
    const proof = password !== undefined ? { password } : code !== undefined ? { code } : { passkey: passkey! };
    const result = await reauthenticate({ user: auth.user, sessionId: auth.sessionId, proof });
    if (result.ok) return json({ message: "Identity confirmed" });
    switch (result.reason) {
      case "invalid_password":
        return fieldErrors({ password: ["Incorrect password"] });
      case "no_password":
        return detail(400, "This account has no password: sign in again instead.", "no_password");
      case "second_factor_required":
        return detail(400, "Two-step verification is on: confirm it is you with a code from your authenticator app or a passkey.", "second_factor_required");
      case "no_totp":
        return secondFactorOff("Two-step verification is not on: use your password.", "totp_not_enabled");
      case "invalid_passkey":
        return detail(400, "The passkey could not be verified.", "passkey_verification_failed");
      case "invalid_code":
      case "locked":
        return codeRefusal(result);
    }
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
