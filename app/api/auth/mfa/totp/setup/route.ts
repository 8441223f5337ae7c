import { startTotpSetup } from "@/lib/auth/mfa/second-factor";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { authenticateAccessToken } from "@/lib/auth/session";
import { apiRoute, bearerToken, detail, json, methodNotAllowed, reauthenticationRequired, unauthorized } from "@/lib/http";

export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
  const setup = await startTotpSetup(auth.user);
  if (!setup.ok) return detail(400, "Two-step verification is already on.", "totp_already_enabled");
  return json({ secret: setup.secret, otpauth_uri: setup.otpauthUri });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
