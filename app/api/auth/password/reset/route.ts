import { requestPasswordReset } from "@/lib/auth/password-reset";
import { deviceClaim } from "@/lib/api/sign-in";
import { MessageSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { PasswordResetRequestSchema } from "@/lib/validation";

const ANSWER = { message: "If that account exists, we sent a link to reset its password." };

export const POST = apiRoute(
  {
    tag: "Passwords",
    summary: "Email a password-reset link",
    rateLimit: "email",
    body: PasswordResetRequestSchema,
    answers: [answer(202, '`{"message": "If that account exists, we sent a link to reset its password."}` whatever the account.', MessageSchema)],
  },
  async ({ request, body }) => {
    // The same answer whether there is an account, and whether its hourly email cap is spent.
    await requestPasswordReset(body.email, { device: deviceClaim(request) });
    return json(ANSWER, { status: 202 });
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
