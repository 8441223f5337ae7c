import { passkeyRegistrationOptions } from "@/lib/auth/passkeys";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { REAUTHENTICATION_REQUIRED, reauthenticationRequired, secondFactorNeedsVerifiedEmail } from "@/lib/api/second-factor";
import { PasskeyCreationOptionsSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const POST = apiRoute(
  {
    tag: "Second factor",
    summary: "Options for creating a passkey (navigator.credentials.create)",
    description: "A discoverable credential with user verification; the challenge is single use and valid 5 minutes. Needs a recent sign-in.",
    rateLimit: "api",
    auth: "bearer",
    answers: [answer(200, "PublicKeyCredentialCreationOptionsJSON.", PasskeyCreationOptionsSchema), REAUTHENTICATION_REQUIRED],
  },
  async ({ auth }) => {
    if (!auth.user.emailVerified) return secondFactorNeedsVerifiedEmail();
    if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
    return json(await passkeyRegistrationOptions(auth.user));
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
