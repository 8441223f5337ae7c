import { registerPasskey } from "@/lib/auth/passkeys";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { detail, json } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { requestClient } from "@/lib/http/request";
import { reauthenticationRequired, secondFactorNeedsVerifiedEmail } from "@/lib/api/second-factor";
import { PasskeyRegisterSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  if (!auth.user.emailVerified) return secondFactorNeedsVerifiedEmail();
  if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
  const input = await parseJsonBody(request, PasskeyRegisterSchema);
  if (!input.ok) return input.response;
  const result = await registerPasskey({ user: auth.user, ...input.data, client: requestClient(request) });
  if (result.ok) {
    deliverAfterResponse(result.emailId);
    return json(result.passkey, { status: 201 });
  }
  switch (result.reason) {
    case "invalid_challenge":
      return detail(400, "The passkey request expired or was already used. Try again.", "invalid_challenge");
    case "verification_failed":
      return detail(400, "The passkey could not be verified.", "passkey_verification_failed");
    case "already_registered":
      return detail(400, "This passkey is already registered.", "passkey_already_registered");
  }
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
