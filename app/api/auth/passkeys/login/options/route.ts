import { passkeyLoginOptions } from "@/lib/auth/passkeys";
import { apiRoute, json, methodNotAllowed } from "@/lib/http";

/** Options for navigator.credentials.get(): a fresh challenge, any discoverable credential. */
export const POST = apiRoute({ rateLimit: "login" }, async () => json(await passkeyLoginOptions()));

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
