import { listSecurityEvents } from "@/lib/auth/activity";
import { ActivityListSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  {
    tag: "Accounts",
    summary: "The user's last 50 security events, newest first (kept 90 days)",
    rateLimit: "api",
    auth: "bearer",
    answers: [answer(200, "The events.", ActivityListSchema)],
  },
  async ({ auth }) => json(await listSecurityEvents(auth.user.id)),
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
