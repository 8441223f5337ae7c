import { loginWithPassword } from "@/lib/auth/login";
import { deviceClaim, SIGN_IN_REFUSED, SIGNED_IN, signInResponse } from "@/lib/api/sign-in";
import { FieldErrorsSchema } from "@/lib/api-schemas";
import { answer, nonFieldError, tooManyRequests } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { LoginSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Accounts",
    summary: "Sign in with email and password: access token and refresh cookie",
    description:
      'With two-step verification on, the right password answers `{"mfa_required": true, "mfa_token": ..., "methods": [...], "detail": "..."}` with no token and no cookie: send the second step to POST /api/auth/mfa/verify/. `detail` is a sentence a client written for the seed (which knows no second step) can show as it shows any `detail`.',
    rateLimit: "login",
    accountLockout: "after repeated failures",
    body: LoginSchema,
    hashesPasswords: true,
    answers: [
      SIGNED_IN,
      answer(400, '`{"non_field_errors": ["Invalid credentials"]}`: unknown email, wrong password, or no password.', FieldErrorsSchema),
      SIGN_IN_REFUSED,
    ],
  },
  async ({ request, body, client }) => {
    // A browser that signed in to this account before keeps a lockout budget of its own (docs/decisions/025).
    const result = await loginWithPassword(body, client, { device: deviceClaim(request) });
    if (!result.ok && result.reason === "locked") return tooManyRequests(result.retryAfter);
    if (!result.ok && result.reason === "invalid_credentials") return nonFieldError("Invalid credentials");
    return signInResponse(result);
  },
);
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
