import { setRole } from "@/lib/admin/roles";
import { adminUserById, parseUserId } from "@/lib/admin/users";
import { adminActor, apiRoute, json, lastAdmin, methodNotAllowed, notFound, parseJsonBody } from "@/lib/http";
import { AdminRoleSchema } from "@/lib/validation";

/** Make the account an administrator, or a user again; never the last administrator who can act (409). */
export const POST = apiRoute<{ params: Promise<{ id: string }> }>({ rateLimit: "api", auth: "admin" }, async (request, { params }, auth) => {
  const input = await parseJsonBody(request, AdminRoleSchema);
  if (!input.ok) return input.response;
  const id = parseUserId((await params).id);
  if (id === null) return notFound();
  const result = await setRole({ target: { id }, role: input.data.role, actor: adminActor(request, auth), reason: input.data.reason });
  if (!result.ok) return result.reason === "last_admin" ? lastAdmin() : notFound();
  const user = await adminUserById(id);
  return user ? json(user) : notFound();
});

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
