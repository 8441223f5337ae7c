import { checkResetLink } from "@/lib/auth/password-reset";
import { DetailSchema, FieldErrorsSchema, ResetLinkStateSchema } from "@/lib/api-schemas";
import { answer, detail, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { LinkTokenRequestSchema } from "@/lib/validation";

const REFUSALS = {
  used: "This link was already used, or a newer one replaced it.",
  expired: "This link has expired.",
  invalid: "Invalid or expired token",
} as const;

/** Whether a reset (or claim) link still works, before anyone types a new password; changes nothing. */
export const POST = apiRoute(
  {
    tag: "Passwords",
    summary: "Whether a reset (or claim) link still works, changing nothing",
    description: "For the page the link opens, so a used or expired link says so before anyone types a new password.",
    rateLimit: "api",
    body: LinkTokenRequestSchema,
    answers: [
      answer(200, '`{"state": "ready"}`', ResetLinkStateSchema),
      answer(
        400,
        'Field errors; `{"detail": ..., "code": "used"}` (used, or replaced by a newer link), `{"detail": ..., "code": "expired"}`, or `{"detail": "Invalid or expired token"}`.',
        [FieldErrorsSchema, DetailSchema],
      ),
    ],
  },
  async ({ body }) => {
    const result = await checkResetLink(body.token);
    if (result.ok) return json({ state: "ready" });
    return result.reason === "invalid" ? detail(400, REFUSALS.invalid) : detail(400, REFUSALS[result.reason], result.reason);
  },
);
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
