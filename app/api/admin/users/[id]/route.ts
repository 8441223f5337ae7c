import { NextResponse } from "next/server";
import { deleteUser } from "@/lib/admin/actions";
import { getAdminUserDetail, parseUserId } from "@/lib/admin/users";
import { adminActor, apiRoute, clearRefreshCookie, deliverAfterResponse, json, lastAdmin, methodNotAllowed, notFound, parseJsonBody } from "@/lib/http";
import { AdminActionSchema } from "@/lib/validation";

type Context = { params: Promise<{ id: string }> };

/** One account, with its live sessions and its last 50 events. */
export const GET = apiRoute<Context>({ rateLimit: "api", auth: "admin" }, async (_request, { params }, auth) => {
  const id = parseUserId((await params).id);
  const user = id === null ? null : await getAdminUserDetail(id, auth.sessionId);
  return user ? json(user) : notFound();
});

/** The erasure of DELETE /api/auth/me/, by an administrator (recorded in the audit). */
export const DELETE = apiRoute<Context>({ rateLimit: "api", auth: "admin" }, async (request, { params }, auth) => {
  const input = await parseJsonBody(request, AdminActionSchema);
  if (!input.ok) return input.response;
  const id = parseUserId((await params).id);
  if (id === null) return notFound();
  const result = await deleteUser({ targetId: id, actor: adminActor(request, auth), reason: input.data.reason });
  if (!result.ok) return result.reason === "last_admin" ? lastAdmin() : notFound();
  deliverAfterResponse(result.emailId);
  const response = new NextResponse(null, { status: 204 });
  // An administrator who erased their own account is signed out like its owner would be.
  return id === auth.user.id ? clearRefreshCookie(response) : response;
});

export const { POST, PUT, PATCH } = methodNotAllowed("GET", "HEAD", "DELETE");
