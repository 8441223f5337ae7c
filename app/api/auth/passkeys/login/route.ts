import { signInWithPasskey } from "@/lib/auth/passkey-login";
import { SIGN_IN_REFUSED, SESSION_STARTED, signInResponse } from "@/lib/api/sign-in";
import { DetailSchema, FieldErrorsSchema } from "@/lib/api-schemas";
import { answer, detail } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { PasskeyLoginSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Second factor",
    summary: "Sign in with a passkey: both factors at once",
    description: "The assertion to the options above. A passkey verifies the user, so no code follows; the login event says `passkey`.",
    rateLimit: "login",
    body: PasskeyLoginSchema,
    answers: [
      SESSION_STARTED,
      answer(
        400,
        'Field errors, or `{"detail": ..., "code": "invalid_challenge" | "passkey_verification_failed"}` (an unknown passkey answers the same as a bad signature).',
        [FieldErrorsSchema, DetailSchema],
      ),
      SIGN_IN_REFUSED,
    ],
  },
  async ({ body, client }) => {
    const result = await signInWithPasskey({ response: body.response, client });
    if (!result.ok) {
      switch (result.reason) {
        case "invalid_challenge":
        // A password reset or a second factor changed as this sign-in finished: start again.
        case "credentials_changed":
          return detail(400, "The passkey request expired or was already used. Try again.", "invalid_challenge");
        case "unknown_passkey":
        case "verification_failed":
          // One answer for both: whether a credential id is registered here is not told.
          return detail(400, "The passkey could not be verified.", "passkey_verification_failed");
        case "email_not_verified":
        case "account_disabled":
          return signInResponse(result);
      }
    }
    return signInResponse(result);
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
