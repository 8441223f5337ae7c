import { z } from "zod";
import { verifyEmailToken } from "@/lib/auth/email-verification";
import { MessageSchema } from "@/lib/api-schemas";
import { answer, detail, detailAnswer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  {
    tag: "Accounts",
    summary: "Confirm an email address with the emailed token",
    rateLimit: "api",
    query: { token: { description: "The token of the emailed link.", schema: z.string() } },
    answers: [
      answer(200, '`{"message": "Email verified"}`', MessageSchema),
      detailAnswer(400, '`{"detail": "Invalid or expired token"}`: missing, malformed, unknown, expired or used.'),
    ],
  },
  async ({ query, client }) => {
    const result = await verifyEmailToken(query.token, Date.now(), client);
    return result.ok ? json({ message: "Email verified" }) : detail(400, "Invalid or expired token");
  },
);
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
