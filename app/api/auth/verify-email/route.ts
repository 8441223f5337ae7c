import { verifyEmailToken } from "@/lib/auth/email-verification";
import { apiRoute, detail, json, methodNotAllowed, parseJsonBody, requestClient } from "@/lib/http";
import { LinkTokenRequestSchema } from "@/lib/validation";

/** The seed's verification, for clients that call it directly: only an unused token verifies. */
export const GET = apiRoute({ rateLimit: "api" }, async (request) => {
  const result = await verifyEmailToken(request.nextUrl.searchParams.get("token"), Date.now(), requestClient(request));
  return result.ok ? json({ message: "Email verified" }) : detail(400, "Invalid or expired token");
});

/**
 * The button of the page a verification link opens (docs/api.md, email links): a link
 * used again, or whose address was verified anyway, answers verified too.
 */
export const POST = apiRoute({ rateLimit: "api" }, async (request) => {
  const input = await parseJsonBody(request, LinkTokenRequestSchema);
  if (!input.ok) return input.response;
  const result = await verifyEmailToken(input.data.token, Date.now(), requestClient(request), { again: "verified" });
  return result.ok ? json({ message: "Email verified" }) : detail(400, "Invalid or expired token");
});
export const { PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD", "POST");
