import { getProfile } from "@/lib/auth/user";
import { ProfileSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  { tag: "Accounts", summary: "The current user's profile", rateLimit: "api", auth: "bearer", answers: [answer(200, "The profile.", ProfileSchema)] },
  async ({ auth }) => json(await getProfile(auth.user)),
);
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
