import { passkeyRegistrationOptions } from "@/lib/auth/passkeys";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";
import { reauthenticationRequired, secondFactorNeedsVerifiedEmail } from "@/lib/api/second-factor";

export const POST = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  if (!auth.user.emailVerified) return secondFactorNeedsVerifiedEmail();
  if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
  return json(await passkeyRegistrationOptions(auth.user));
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
