import { registerPasskey } from "@/lib/auth/passkeys";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { REAUTHENTICATION_REQUIRED, reauthenticationRequired, secondFactorNeedsVerifiedEmail } from "@/lib/api/second-factor";
import { DetailSchema, FieldErrorsSchema, PasskeySummarySchema } from "@/lib/api-schemas";
import { answer, detail, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { PasskeyRegisterSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Second factor",
    summary: "Add a passkey: the browser's answer to the options, and a name",
    description: "Needs a recent sign-in; the user gets a notice email.",
    rateLimit: "api",
    auth: "bearer",
    body: PasskeyRegisterSchema,
    answers: [
      answer(201, "The new passkey.", PasskeySummarySchema),
      answer(
        400,
        'Field errors, or `{"detail": ..., "code": "invalid_challenge" | "passkey_verification_failed" | "passkey_already_registered"}`.',
        [FieldErrorsSchema, DetailSchema],
      ),
      REAUTHENTICATION_REQUIRED,
    ],
  },
  async ({ auth, body, client }) => {
    if (!auth.user.emailVerified) return secondFactorNeedsVerifiedEmail();
    if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
    const result = await registerPasskey({ user: auth.user, ...body, client });
    if (result.ok) {
      return json(result.passkey, { status: 201 });
    }
    switch (result.reason) {
      case "invalid_challenge":
        return detail(400, "The passkey request expired or was already used. Try again.", "invalid_challenge");
      case "verification_failed":
        return detail(400, "The passkey could not be verified.", "passkey_verification_failed");
      case "already_registered":
        return detail(400, "This passkey is already registered.", "passkey_already_registered");
    }
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
