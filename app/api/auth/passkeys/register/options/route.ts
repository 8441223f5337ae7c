import { passkeyRegistrationOptions } from "@/lib/auth/passkeys";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { apiRoute, json, methodNotAllowed, reauthenticationRequired, secondFactorNeedsVerifiedEmail } from "@/lib/http";

export const POST = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  if (!auth.user.emailVerified) return secondFactorNeedsVerifiedEmail();
  if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
  return json(await passkeyRegistrationOptions(auth.user));
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
