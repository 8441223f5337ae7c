import { resetSecondFactor } from "@/lib/admin/actions";
import { parseUserId } from "@/lib/admin/users";
import { adminActor, apiRoute, deliverAfterResponse, json, lastAdmin, methodNotAllowed, notFound, parseJsonBody } from "@/lib/http";
import { AdminActionSchema } from "@/lib/validation";

/** For a user who lost their device: TOTP, recovery codes and passkeys removed, every session ended, the owner emailed. */
export const POST = apiRoute<{ params: Promise<{ id: string }> }>({ rateLimit: "api", auth: "admin" }, async (request, { params }, auth) => {
  const input = await parseJsonBody(request, AdminActionSchema);
  if (!input.ok) return input.response;
  const id = parseUserId((await params).id);
  if (id === null) return notFound();
  const result = await resetSecondFactor({ targetId: id, actor: adminActor(request, auth), reason: input.data.reason });
  if (!result.ok) return result.reason === "last_admin" ? lastAdmin() : notFound();
  deliverAfterResponse(result.emailId ?? null);
  return json(result.user);
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
