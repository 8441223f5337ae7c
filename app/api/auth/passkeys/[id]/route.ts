import { NextResponse } from "next/server";
import { removePasskey } from "@/lib/auth/passkeys";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { detail } from "@/lib/http/answers";
import { requestClient } from "@/lib/http/request";

export const DELETE = apiRoute<{ params: Promise<{ id: string }> }>({ rateLimit: "api", auth: "bearer" }, async (request, { params }, auth) => {
  const { id } = await params;
  const result = await removePasskey({ user: auth.user, id, client: requestClient(request) });
  if (result.ok) return new NextResponse(null, { status: 204 });
  return result.reason === "not_found"
    ? detail(404, "Not found.")
    : detail(400, "Cannot remove the last sign-in method", "last_sign_in_method");
});

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
