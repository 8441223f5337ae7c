import { checkVerificationLink } from "@/lib/auth/email-verification";
import { apiRoute, detail, json, methodNotAllowed, parseJsonBody } from "@/lib/http";
import { LinkTokenRequestSchema } from "@/lib/validation";

/** What the verification page shows on arrival; changes nothing (a mail scanner may be asking). */
export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const input = await parseJsonBody(request, LinkTokenRequestSchema);
  if (!input.ok) return input.response;
  const result = await checkVerificationLink(input.data.token);
  if (!result.ok) return detail(400, "Invalid or expired token");
  return json(result.emailChange ? { state: result.state, purpose: "email_change" } : { state: result.state });
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
