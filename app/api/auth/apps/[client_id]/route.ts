import { z } from "zod";
import { revokeAppAccess } from "@/lib/oidc/apps";
import { answer, detail, detailAnswer, noContent } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const DELETE = apiRoute(
  {
    tag: "Sessions",
    summary: "Take an app's access back: its remembered consent, grants, refresh and access tokens end at once",
    rateLimit: "api",
    auth: "bearer",
    params: { client_id: { description: "The app's client_id from the list.", schema: z.string() } },
    answers: [answer(204, "Revoked."), detailAnswer(404, '`{"detail": "Not found."}`: the app has no access to this account.')],
  },
  async ({ params, auth, client }) => {
    if (!(await revokeAppAccess(auth.user.id, params.client_id, client))) return detail(404, "Not found.");
    return noContent();
  },
);

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
