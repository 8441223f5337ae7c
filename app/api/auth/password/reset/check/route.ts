import { checkResetLink } from "@/lib/auth/password-reset";
import { apiRoute, detail, json, methodNotAllowed, parseJsonBody } from "@/lib/http";
import { LinkTokenRequestSchema } from "@/lib/validation";

const REFUSALS = {
  used: "This link was already used, or a newer one replaced it.",
  expired: "This link has expired.",
  invalid: "Invalid or expired token",
} as const;

/** Whether a reset (or claim) link still works, before anyone types a new password; changes nothing. */
export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const input = await parseJsonBody(request, LinkTokenRequestSchema);
  if (!input.ok) return input.response;
  const result = await checkResetLink(input.data.token);
  if (result.ok) return json({ state: "ready" });
  return result.reason === "invalid" ? detail(400, REFUSALS.invalid) : detail(400, REFUSALS[result.reason], result.reason);
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
