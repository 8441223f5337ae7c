import { checkVerificationLink } from "@/lib/auth/email-verification";
import { DetailSchema, FieldErrorsSchema, VerificationLinkStateSchema } from "@/lib/api-schemas";
import { answer, detail, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { LinkTokenRequestSchema } from "@/lib/validation";

/** What the verification page shows on arrival; changes nothing (a mail scanner may be asking). */
export const POST = apiRoute(
  {
    tag: "Accounts",
    summary: "What an emailed verification link would do, changing nothing",
    description: "For the page the link opens, before its button is pressed (mail scanners open links too).",
    rateLimit: "api",
    body: LinkTokenRequestSchema,
    answers: [
      answer(
        200,
        '`{"state": "ready"}` (the button verifies) or `{"state": "verified"}` (the address is verified already); `"purpose": "email_change"` with either for the link of a change of address, whose button makes this the account\'s address.',
        VerificationLinkStateSchema,
      ),
      answer(400, 'Field errors, or `{"detail": "Invalid or expired token"}`.', [FieldErrorsSchema, DetailSchema]),
    ],
  },
  async ({ body }) => {
    const result = await checkVerificationLink(body.token);
    if (!result.ok) return detail(400, "Invalid or expired token");
    return json(result.emailChange ? { state: result.state, purpose: "email_change" } : { state: result.state });
  },
);
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
