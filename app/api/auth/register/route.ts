import { registerUser } from "@/lib/auth/registration";
import { MessageSchema } from "@/lib/api-schemas";
import { answer, fieldErrors, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { RegisterSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Accounts",
    summary: "Create an account and send the verification email",
    description:
      "The same 201 when the email already has an account: no account is made, and the address gets a notice (a password-reset link that claims the account, if it is unverified).",
    rateLimit: "register",
    body: RegisterSchema,
    hashesPasswords: true,
    answers: [answer(201, '`{"message": "Registered. Please verify email."}`', MessageSchema)],
  },
  async ({ body }) => {
    const result = await registerUser(body);
    if (!result.ok) return fieldErrors(result.errors);
    return json({ message: "Registered. Please verify email." }, { status: 201 });
  },
);
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
