import { queueVerificationResend } from "@/lib/auth/claim";
import { MessageSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { ResendVerificationSchema } from "@/lib/validation";

const ANSWER = { message: "If that account exists and is not verified, we sent a new email." };

export const POST = apiRoute(
  {
    tag: "Accounts",
    summary: "Send a fresh verification email",
    description: "With a Bearer token the body is ignored and the token's user is meant; otherwise `{\"email\": ...}`.",
    rateLimit: "email",
    auth: "optionalBearer",
    body: ResendVerificationSchema,
    answers: [answer(202, '`{"message": "If that account exists and is not verified, we sent a new email."}` whatever the account.', MessageSchema)],
  },
  async ({ auth, body }) => {
    // The same answer whether there is an account, and whether its hourly email cap is spent.
    await queueVerificationResend(auth ? { userId: auth.user.id } : { email: body.email });
    return json(ANSWER, { status: 202 });
  },
);
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
