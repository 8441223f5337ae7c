import { resendVerificationOf } from "@/lib/admin/actions";
import { parseUserId } from "@/lib/admin/users";
import { adminActor, notFound, USER_ID, USER_NOT_FOUND } from "@/lib/api/admin";
import { MessageSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { AdminActionSchema } from "@/lib/validation";

export const POST = apiRoute(
  {
    tag: "Administration",
    summary: "Send a new verification link (nothing for a verified address)",
    description: "The link counts toward the address's hourly email cap, like every request for one.",
    rateLimit: "api",
    auth: "admin",
    params: USER_ID,
    body: AdminActionSchema,
    answers: [answer(202, '`{"message": "If the address is not verified, we sent a new link."}`, whatever the address\'s state.', MessageSchema), USER_NOT_FOUND],
  },
  async ({ params, auth, body, client }) => {
    const id = parseUserId(params.id);
    if (id === null) return notFound();
    const result = await resendVerificationOf({ targetId: id, actor: adminActor(auth, client), reason: body.reason });
    if (!result.ok) return notFound();
    return json({ message: "If the address is not verified, we sent a new link." }, { status: 202 });
  },
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
