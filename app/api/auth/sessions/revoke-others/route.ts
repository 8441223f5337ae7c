import { revokeOtherSessions } from "@/lib/auth/session-list";
import { RevokedCountSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const POST = apiRoute(
  { tag: "Sessions", summary: "End every session but the current one", rateLimit: "api", auth: "bearer", answers: [answer(200, '`{"revoked": N}`', RevokedCountSchema)] },
  async ({ auth, client }) => json({ revoked: await revokeOtherSessions(auth.user.id, auth.sessionId, client) }),
);

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
