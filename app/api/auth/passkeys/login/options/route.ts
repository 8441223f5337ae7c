import { passkeyLoginOptions } from "@/lib/auth/passkeys";
import { PasskeyRequestOptionsSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

/**
 * Options for navigator.credentials.get(): a fresh challenge, any discoverable credential.
 * In the general bucket: the login page asks for one on every visit (autofill), and a
 * challenge proves nothing until a passkey signs it (that answer is in the login bucket).
 */
export const POST = apiRoute(
  {
    tag: "Second factor",
    summary: "Options for signing in with a passkey (navigator.credentials.get), also for autofill",
    description: "Any discoverable credential, user verification required; the challenge is single use and valid 5 minutes.",
    rateLimit: "api",
    answers: [answer(200, "PublicKeyCredentialRequestOptionsJSON.", PasskeyRequestOptionsSchema)],
  },
  async () => json(await passkeyLoginOptions()),
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
