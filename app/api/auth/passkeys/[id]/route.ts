import { NextResponse } from "next/server";
import { removePasskey } from "@/lib/auth/passkeys";
import { authenticateAccessToken } from "@/lib/auth/session";
import { apiRoute, bearerToken, detail, methodNotAllowed, requestClient, unauthorized } from "@/lib/http";

export const DELETE = apiRoute<{ params: Promise<{ id: string }> }>({ rateLimit: "api" }, async (request, { params }) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  const { id } = await params;
  const result = await removePasskey({ user: auth.user, id, client: requestClient(request) });
  if (result.ok) return new NextResponse(null, { status: 204 });
  return result.reason === "not_found"
    ? detail(404, "Not found.")
    : detail(400, "Cannot remove the last sign-in method", "last_sign_in_method");
});

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
