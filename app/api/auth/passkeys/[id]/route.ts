import { z } from "zod";
import { removePasskey } from "@/lib/auth/passkeys";
import { answer, detail, detailAnswer, noContent } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const DELETE = apiRoute(
  {
    tag: "Second factor",
    summary: "Remove one of the user's passkeys",
    rateLimit: "api",
    auth: "bearer",
    params: { id: { description: "A passkey id from GET /api/auth/mfa/.", schema: z.string() } },
    answers: [
      answer(204, "Removed."),
      detailAnswer(400, '`{"detail": "Cannot remove the last sign-in method", "code": "last_sign_in_method"}`: no password, no provider, no other passkey.'),
      detailAnswer(404, '`{"detail": "Not found."}`: not a passkey of this user.'),
    ],
  },
  async ({ params, auth, client }) => {
    const result = await removePasskey({ user: auth.user, id: params.id, client });
    if (result.ok) return noContent();
    return result.reason === "not_found" ? detail(404, "Not found.") : detail(400, "Cannot remove the last sign-in method", "last_sign_in_method");
  },
);

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
