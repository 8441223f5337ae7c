import { startTotpSetup } from "@/lib/auth/mfa/second-factor";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { detail, json } from "@/lib/http/answers";
import { reauthenticationRequired, secondFactorNeedsVerifiedEmail } from "@/lib/api/second-factor";

export const POST = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  if (!auth.user.emailVerified) return secondFactorNeedsVerifiedEmail();
  if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
  const setup = await startTotpSetup(auth.user);
  if (!setup.ok) return detail(400, "Two-step verification is already on.", "totp_already_enabled");
  return json({ secret: setup.secret, otpauth_uri: setup.otpauthUri });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
