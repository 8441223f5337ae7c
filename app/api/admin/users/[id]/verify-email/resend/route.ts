import { resendVerificationOf } from "@/lib/admin/actions";
import { parseUserId } from "@/lib/admin/users";
import { adminActor, apiRoute, deliverAfterResponse, json, lastAdmin, methodNotAllowed, notFound, parseJsonBody } from "@/lib/http";
import { AdminActionSchema } from "@/lib/validation";

/** A new verification link for an unverified address: 202 whatever its state, as the public resend. */
export const POST = apiRoute<{ params: Promise<{ id: string }> }>({ rateLimit: "api", auth: "admin" }, async (request, { params }, auth) => {
  const input = await parseJsonBody(request, AdminActionSchema);
  if (!input.ok) return input.response;
  const id = parseUserId((await params).id);
  if (id === null) return notFound();
  const result = await resendVerificationOf({ targetId: id, actor: adminActor(request, auth), reason: input.data.reason });
  if (!result.ok) return result.reason === "last_admin" ? lastAdmin() : notFound();
  deliverAfterResponse(result.emailId ?? null);
  return json({ message: "If the address is not verified, we sent a new link." }, { status: 202 });
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
