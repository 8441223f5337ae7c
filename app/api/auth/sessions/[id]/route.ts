import { z } from "zod";
import { revokeOwnSession } from "@/lib/auth/session-list";
import { answer, detail, detailAnswer, noContent } from "@/lib/http/answers";
import { clearRefreshCookie } from "@/lib/http/cookies";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const DELETE = apiRoute(
  {
    tag: "Sessions",
    summary: "End one of the user's sessions",
    rateLimit: "api",
    auth: "bearer",
    params: { id: { description: "A session id from the list.", schema: z.string() } },
    answers: [
      answer(204, "Ended; for the current session the refresh cookie is deleted too.", [], ["Set-Cookie"]),
      detailAnswer(404, '`{"detail": "Not found."}`: not a live session of this user.'),
    ],
  },
  async ({ params, auth, client }) => {
    if (!(await revokeOwnSession(auth.user.id, params.id, client))) return detail(404, "Not found.");
    // Ending the current session is a logout: drop its cookie too.
    return params.id === auth.sessionId ? clearRefreshCookie(noContent()) : noContent();
  },
);

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
