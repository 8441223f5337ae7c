import { NextResponse } from "next/server";
import { apiRoute, detail, methodNotAllowed, requestClient } from "@/lib/http";
import { revokeAppAccess } from "@/lib/oidc/apps";

export const DELETE = apiRoute<{ params: Promise<{ client_id: string }> }>({ rateLimit: "api", auth: "bearer" }, async (request, { params }, auth) => {
  const { client_id: clientId } = await params;
  if (!(await revokeAppAccess(auth.user.id, clientId, requestClient(request)))) return detail(404, "Not found.");
  return new NextResponse(null, { status: 204 });
});

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
