import { changePassword } from "@/lib/auth/password-reset";
import { FieldErrorsSchema, MessageSchema } from "@/lib/api-schemas";
import { answer, fieldErrors, json, tooManyRequests } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { PasswordChangeSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Passwords",
    summary: "Change the password, knowing the current one",
    description: "Keeps the current session and ends the others. Wrong current passwords count toward the account's login lockout.",
    rateLimit: "password-change",
    accountLockout: "after repeated wrong passwords",
    auth: "bearer",
    body: PasswordChangeSchema,
    hashesPasswords: true,
    answers: [
      answer(200, '`{"message": "Password updated"}`', MessageSchema),
      answer(400, '`{"current_password": ["Incorrect password"]}` or `new_password` field errors.', FieldErrorsSchema),
    ],
  },
  async ({ auth, body, client }) => {
    const result = await changePassword({
      user: auth.user,
      sessionId: auth.sessionId,
      currentPassword: body.current_password,
      newPassword: body.new_password,
      client,
    });
    if (!result.ok) return result.reason === "locked" ? tooManyRequests(result.retryAfter) : fieldErrors(result.errors);
    return json({ message: "Password updated" });
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
