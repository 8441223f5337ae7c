import { verifySecondStep, type SecondStepProof } from "@/lib/auth/mfa/second-step";
import { apiRoute, codeRefusal, deliverAfterResponse, detail, deviceClaim, methodNotAllowed, parseJsonBody, requestClient, signInResponse } from "@/lib/http";
import { MfaVerifySchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "mfa" }, async (request) => {
  const input = await parseJsonBody(request, MfaVerifySchema);
  if (!input.ok) return input.response;
  const { mfa_token, code, recovery_code, passkey } = input.data;
  const proof: SecondStepProof = code !== undefined ? { code } : recovery_code !== undefined ? { recoveryCode: recovery_code } : { passkey: passkey! };

  const result = await verifySecondStep({ mfaToken: mfa_token, proof, client: requestClient(request), device: deviceClaim(request) });
  if (!result.ok) {
    switch (result.reason) {
      case "invalid_token":
        return detail(400, "Invalid or expired token");
      case "invalid_passkey":
        return detail(400, "The passkey could not be verified.", "passkey_verification_failed");
      case "invalid_code":
      case "locked":
        return codeRefusal(result);
      case "email_not_verified":
      case "account_disabled":
        return signInResponse(result);
    }
  }
  deliverAfterResponse(result.emailId);
  return signInResponse(result);
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
