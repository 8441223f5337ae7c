import { passkeyLoginOptions } from "@/lib/auth/passkeys";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";

/**
 * Options for navigator.credentials.get(): a fresh challenge, any discoverable credential.
 * In the general bucket: the login page asks for one on every visit (autofill), and a
 * challenge proves nothing until a passkey signs it (that answer is in the login bucket).
 */
export const POST = apiRoute({ rateLimit: "api" }, async () => json(await passkeyLoginOptions()));

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
