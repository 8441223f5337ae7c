import { disableUser } from "@/lib/admin/actions";
import { parseUserId } from "@/lib/admin/users";
import { adminActor, apiRoute, json, lastAdmin, methodNotAllowed, notFound, parseJsonBody } from "@/lib/http";
import { AdminDisableSchema } from "@/lib/validation";

/** Disable the account: no sign-in by any method, every session ended at once (docs/api.md, administration). */
export const POST = apiRoute<{ params: Promise<{ id: string }> }>({ rateLimit: "api", auth: "admin" }, async (request, { params }, auth) => {
  const input = await parseJsonBody(request, AdminDisableSchema);
  if (!input.ok) return input.response;
  const id = parseUserId((await params).id);
  if (id === null) return notFound();
  const result = await disableUser({ targetId: id, actor: adminActor(request, auth), reason: input.data.reason });
  if (!result.ok) return result.reason === "last_admin" ? lastAdmin() : notFound();
  return json(result.user);
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
