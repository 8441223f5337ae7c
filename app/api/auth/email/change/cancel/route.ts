import { cancelEmailChange } from "@/lib/account/email-change";
import { DetailSchema, FieldErrorsSchema, MessageSchema } from "@/lib/api-schemas";
import { answer, detail, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { LinkTokenRequestSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Accounts",
    summary: 'The old address\'s "this wasn\'t me": cancel (or undo) the change and end every session',
    description:
      "The button of `/email-change/cancel/?token=` (7 days, once). A change already confirmed is undone when the account still has the new address and nobody took the old one; the new address is then told so.",
    rateLimit: "api",
    body: LinkTokenRequestSchema,
    answers: [
      answer(200, "Cancelled or undone; every session ended.", MessageSchema),
      answer(400, 'Field errors, or `{"detail": "Invalid or expired token"}`.', [FieldErrorsSchema, DetailSchema]),
    ],
  },
  async ({ body, client }) => {
    const result = await cancelEmailChange(body.token, client);
    if (!result.ok) return detail(400, "Invalid or expired token");
    return json({
      message: result.reverted
        ? "The change is undone: the account's email address is this one again, and every session is signed out."
        : "The change is cancelled, and every session of the account is signed out.",
    });
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
