import { deleteUser } from "@/lib/admin/actions";
import { getAdminUserDetail, parseUserId } from "@/lib/admin/users";
import { adminActor, LAST_ADMIN, lastAdmin, notFound, USER_ID, USER_NOT_FOUND } from "@/lib/api/admin";
import { AdminUserDetailSchema } from "@/lib/api-schemas";
import { answer, json, noContent } from "@/lib/http/answers";
import { clearRefreshCookie } from "@/lib/http/cookies";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { AdminActionSchema } from "@/lib/validation";

export const GET = apiRoute(
  {
    tag: "Administration",
    summary: "One account, with its live sessions and its last 50 security events",
    rateLimit: "api",
    auth: "admin",
    params: USER_ID,
    answers: [answer(200, "The account.", AdminUserDetailSchema), USER_NOT_FOUND],
  },
  async ({ params, auth }) => {
    const id = parseUserId(params.id);
    const user = id === null ? null : await getAdminUserDetail(id, auth.sessionId);
    return user ? json(user) : notFound();
  },
);

export const DELETE = apiRoute(
  {
    tag: "Administration",
    summary: "Erase the account (the same erasure as DELETE /api/auth/me/)",
    description: "Recorded in the audit with the reason, if given. The owner gets the goodbye email.",
    rateLimit: "api",
    auth: "admin",
    params: USER_ID,
    body: AdminActionSchema,
    answers: [
      answer(204, "Erased; an administrator who erased their own account gets its refresh cookie deleted.", [], ["Set-Cookie"]),
      USER_NOT_FOUND,
      LAST_ADMIN,
    ],
  },
  async ({ params, auth, body, client }) => {
    const id = parseUserId(params.id);
    if (id === null) return notFound();
    const result = await deleteUser({ targetId: id, actor: adminActor(auth, client), reason: body.reason });
    if (!result.ok) return result.reason === "last_admin" ? lastAdmin() : notFound();
    // An administrator who erased their own account is signed out like its owner would be.
    return id === auth.user.id ? clearRefreshCookie(noContent()) : noContent();
  },
);

export const { POST, PUT, PATCH } = methodNotAllowed("GET", "HEAD", "DELETE");
