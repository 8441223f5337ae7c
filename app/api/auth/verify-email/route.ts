import { verifyEmailToken } from "@/lib/auth/email-verification";
import { apiRoute, detail, json, methodNotAllowed, requestClient } from "@/lib/http";

export const GET = apiRoute({ rateLimit: "api" }, async (request) => {
  const result = await verifyEmailToken(request.nextUrl.searchParams.get("token"), Date.now(), requestClient(request));
  return result.ok ? json({ message: "Email verified" }) : detail(400, "Invalid or expired token");
});
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
