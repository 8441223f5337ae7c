import { NextResponse } from "next/server";
import { authenticateAccessToken } from "@/lib/auth/session";
import { revokeOwnSession } from "@/lib/auth/session-list";
import { apiRoute, bearerToken, clearRefreshCookie, detail, methodNotAllowed, requestClient, unauthorized } from "@/lib/http";

export const DELETE = apiRoute<{ params: Promise<{ id: string }> }>({ rateLimit: "api" }, async (request, { params }) => {
  const auth = await authenticateAccessToken(bearerToken(request));
  if (!auth.ok) return unauthorized(auth.reason);
  const { id } = await params;
  if (!(await revokeOwnSession(auth.user.id, id, requestClient(request)))) return detail(404, "Not found.");
  const response = new NextResponse(null, { status: 204 });
  // Ending the current session is a logout: drop its cookie too.
  return id === auth.sessionId ? clearRefreshCookie(response) : response;
});

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
