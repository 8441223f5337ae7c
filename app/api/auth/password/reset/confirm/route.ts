import { confirmPasswordReset } from "@/lib/auth/password-reset";
import { DetailSchema, FieldErrorsSchema, MessageSchema } from "@/lib/api-schemas";
import { answer, detail, fieldErrors, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { PasswordResetConfirmSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Passwords",
    summary: "Set a new password with the emailed token",
    description: "Ends every session, verifies the address and lifts its login lockout; does not sign in.",
    rateLimit: "api",
    body: PasswordResetConfirmSchema,
    hashesPasswords: true,
    answers: [
      answer(200, '`{"message": "Password updated"}`', MessageSchema),
      answer(400, 'Password field errors, or `{"detail": "Invalid or expired token"}`.', [FieldErrorsSchema, DetailSchema]),
    ],
  },
  async ({ body, client }) => {
    const result = await confirmPasswordReset({ ...body, client });
    if (!result.ok) return result.reason === "invalid_password" ? fieldErrors(result.errors) : detail(400, "Invalid or expired token");
    return json({ message: "Password updated" });
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
