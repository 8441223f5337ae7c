import { listAppsWithAccess } from "@/lib/oidc/apps";
import { AppAccessListSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  {
    tag: "Sessions",
    summary: "Apps with access: the apps that signed the user in through Gatehouse (OpenID Connect)",
    rateLimit: "api",
    auth: "bearer",
    answers: [answer(200, "The apps, by name.", AppAccessListSchema)],
  },
  async ({ auth }) => json(await listAppsWithAccess(auth.user.id)),
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
