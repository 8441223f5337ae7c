import { passkeyRegistrationOptions } from "@/lib/auth/passkeys";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { authenticateAccessToken } from "@/lib/auth/session";
import { apiRoute, bearerToken, json, methodNotAllowed, reauthenticationRequired, unauthorized } from "@/lib/http";

export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
  return json(await passkeyRegistrationOptions(auth.user));
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
