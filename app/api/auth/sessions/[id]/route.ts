import { NextResponse } from "next/server";
import { revokeOwnSession } from "@/lib/auth/session-list";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { detail } from "@/lib/http/answers";
import { clearRefreshCookie } from "@/lib/http/cookies";
import { requestClient } from "@/lib/http/request";

export const DELETE = apiRoute<{ params: Promise<{ id: string }> }>({ rateLimit: "api", auth: "bearer" }, async (request, { params }, auth) => {
  const { id } = await params;
  if (!(await revokeOwnSession(auth.user.id, id, requestClient(request)))) return detail(404, "Not found.");
  const response = new NextResponse(null, { status: 204 });
  // Ending the current session is a logout: drop its cookie too.
  return id === auth.sessionId ? clearRefreshCookie(response) : response;
});

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
