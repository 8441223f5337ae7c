import { listUserSessions } from "@/lib/auth/session-list";
import { SessionListSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  { tag: "Sessions", summary: "The user's live sessions, newest first", rateLimit: "api", auth: "bearer", answers: [answer(200, "The sessions.", SessionListSchema)] },
  async ({ auth }) => json(await listUserSessions(auth.user.id, auth.sessionId)),
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
