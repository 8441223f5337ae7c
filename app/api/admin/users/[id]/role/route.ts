import { setRole } from "@/lib/admin/roles";
import { adminUserById, parseUserId } from "@/lib/admin/users";
import { adminActor, LAST_ADMIN, lastAdmin, notFound, USER_ID, USER_NOT_FOUND } from "@/lib/api/admin";
import { AdminUserSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { AdminRoleSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Administration",
    summary: "Make the account an administrator, or a user again",
    description: "Never the last administrator who can act. Setting the role it has changes nothing.",
    rateLimit: "api",
    auth: "admin",
    params: USER_ID,
    body: AdminRoleSchema,
    answers: [answer(200, "The account.", AdminUserSchema), USER_NOT_FOUND, LAST_ADMIN],
  },
  async ({ params, auth, body, client }) => {
    const id = parseUserId(params.id);
    if (id === null) return notFound();
    const result = await setRole({ target: { id }, role: body.role, actor: adminActor(auth, client), reason: body.reason });
    if (!result.ok) return result.reason === "last_admin" ? lastAdmin() : notFound();
    const user = await adminUserById(id);
    return user ? json(user) : notFound();
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
