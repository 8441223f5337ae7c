import { cancelEmailChange } from "@/lib/account/email-change";
import { apiRoute, detail, json, methodNotAllowed, parseJsonBody, requestClient } from "@/lib/http";
import { LinkTokenRequestSchema } from "@/lib/validation";

/** The button of the old address's "this wasn't me" page (docs/api.md, the account's own lifecycle). */
export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const input = await parseJsonBody(request, LinkTokenRequestSchema);
  if (!input.ok) return input.response;
  const result = await cancelEmailChange(input.data.token, requestClient(request));
  if (!result.ok) return detail(400, "Invalid or expired token");
  return json({
    message: result.reverted
      ? "The change is undone: the account's email address is this one again, and every session is signed out."
      : "The change is cancelled, and every session of the account is signed out.",
  });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
