import { resetSecondFactor } from "@/lib/admin/actions";
import { parseUserId } from "@/lib/admin/users";
import { adminActor, notFound, USER_ID, USER_NOT_FOUND } from "@/lib/api/admin";
import { AdminUserSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { AdminActionSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Administration",
    summary: "Remove TOTP, recovery codes and passkeys (a lost device); every session ends; the owner is emailed",
    rateLimit: "api",
    auth: "admin",
    params: USER_ID,
    body: AdminActionSchema,
    answers: [answer(200, "The account.", AdminUserSchema), USER_NOT_FOUND],
  },
  async ({ params, auth, body, client }) => {
    const id = parseUserId(params.id);
    if (id === null) return notFound();
    const result = await resetSecondFactor({ targetId: id, actor: adminActor(auth, client), reason: body.reason });
    if (!result.ok) return notFound();
    return json(result.user);
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
