import { reauthenticate } from "@/lib/auth/reauth";
import { apiRoute, codeRefusal, detail, fieldErrors, json, methodNotAllowed, parseJsonBody, secondFactorOff } from "@/lib/http";
import { ReauthenticateSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "mfa", auth: "bearer" }, async (request, _context, auth) => {
  const input = await parseJsonBody(request, ReauthenticateSchema);
  if (!input.ok) return input.response;
  const { password, code, passkey } = input.data;
  const proof = password !== undefined ? { password } : code !== undefined ? { code } : { passkey: passkey! };
  const result = await reauthenticate({ user: auth.user, sessionId: auth.sessionId, proof });
  if (result.ok) return json({ message: "Identity confirmed" });
  switch (result.reason) {
    case "invalid_password":
      return fieldErrors({ password: ["Incorrect password"] });
    case "no_password":
      return detail(400, "This account has no password: sign in again instead.", "no_password");
    case "second_factor_required":
      return detail(400, "Two-step verification is on: confirm it is you with a code from your authenticator app or a passkey.", "second_factor_required");
    case "no_totp":
      return secondFactorOff("Two-step verification is not on: use your password.", "totp_not_enabled");
    case "invalid_passkey":
      return detail(400, "The passkey could not be verified.", "passkey_verification_failed");
    case "invalid_code":
    case "locked":
      return codeRefusal(result);
  }
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
