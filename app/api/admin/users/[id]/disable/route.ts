import { disableUser } from "@/lib/admin/actions";
import { parseUserId } from "@/lib/admin/users";
import { adminActor, LAST_ADMIN, lastAdmin, notFound, USER_ID, USER_NOT_FOUND } from "@/lib/api/admin";
import { AdminUserSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { AdminDisableSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Administration",
    summary: "Disable the account: no sign-in by any method, every session ended at once",
    description:
      "Password, Google, GitHub, passkeys, refresh and the `mfa_token` step are refused from now on, and the account's access tokens at once; what it gave other apps through the OpenID provider is revoked. The reason is required. Disabling a disabled account changes nothing.",
    rateLimit: "api",
    auth: "admin",
    params: USER_ID,
    body: AdminDisableSchema,
    answers: [answer(200, "The account.", AdminUserSchema), USER_NOT_FOUND, LAST_ADMIN],
  },
  async ({ params, auth, body, client }) => {
    const id = parseUserId(params.id);
    if (id === null) return notFound();
    const result = await disableUser({ targetId: id, actor: adminActor(auth, client), reason: body.reason });
    if (!result.ok) return result.reason === "last_admin" ? lastAdmin() : notFound();
    return json(result.user);
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
