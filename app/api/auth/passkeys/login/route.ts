import { signInWithPasskey } from "@/lib/auth/passkey-login";
import { apiRoute, detail, methodNotAllowed, parseJsonBody, requestClient, signInResponse } from "@/lib/http";
import { PasskeyLoginSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "login" }, async (request) => {
  const input = await parseJsonBody(request, PasskeyLoginSchema);
  if (!input.ok) return input.response;
  const result = await signInWithPasskey({ response: input.data.response, client: requestClient(request) });
  if (!result.ok) {
    switch (result.reason) {
      case "invalid_challenge":
      // A password reset or a second factor changed as this sign-in finished: start again.
      case "credentials_changed":
        return detail(400, "The passkey request expired or was already used. Try again.", "invalid_challenge");
      case "unknown_passkey":
      case "verification_failed":
        // One answer for both: whether a credential id is registered here is not told.
        return detail(400, "The passkey could not be verified.", "passkey_verification_failed");
      case "email_not_verified":
      case "account_disabled":
        return signInResponse(result);
    }
  }
  return signInResponse(result);
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
