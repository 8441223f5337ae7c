import { verifyEmailToken } from "@/lib/auth/email-verification";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { detail, json } from "@/lib/http/answers";
import { requestClient } from "@/lib/http/request";

export const GET = apiRoute({ rateLimit: "api" }, async (request) => {
  const result = await verifyEmailToken(request.nextUrl.searchParams.get("token"), Date.now(), requestClient(request));
  return result.ok ? json({ message: "Email verified" }) : detail(400, "Invalid or expired token");
});
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
