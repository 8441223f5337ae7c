import { startTotpSetup } from "@/lib/auth/mfa/enrolment";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { REAUTHENTICATION_REQUIRED, reauthenticationRequired, secondFactorNeedsVerifiedEmail } from "@/lib/api/second-factor";
import { TotpSetupSchema } from "@/lib/api-schemas";
import { answer, detail, detailAnswer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const POST = apiRoute(
  {
    tag: "Second factor",
    summary: "Start turning on TOTP: a new secret (nothing is on until confirmed)",
    description: "A new setup replaces an unconfirmed one. Needs a recent sign-in.",
    rateLimit: "api",
    auth: "bearer",
    answers: [
      answer(200, "The secret and its `otpauth://` URI.", TotpSetupSchema),
      detailAnswer(400, '`{"detail": "Two-step verification is already on.", "code": "totp_already_enabled"}`'),
      REAUTHENTICATION_REQUIRED,
    ],
  },
  async ({ auth }) => {
    if (!auth.user.emailVerified) return secondFactorNeedsVerifiedEmail();
    if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
    const setup = await startTotpSetup(auth.user);
    if (!setup.ok) return detail(400, "Two-step verification is already on.", "totp_already_enabled");
    return json({ secret: setup.secret, otpauth_uri: setup.otpauthUri });
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
