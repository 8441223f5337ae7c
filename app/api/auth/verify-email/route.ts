import { z } from "zod";
import { verifyEmailToken } from "@/lib/auth/email-verification";
import { DetailSchema, FieldErrorsSchema, MessageSchema } from "@/lib/api-schemas";
import { answer, detail, detailAnswer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { LinkTokenRequestSchema } from "@/lib/validation";

/** The seed's verification, for clients that call it directly: only an unused token verifies. */
export const GET = apiRoute(
  {
    tag: "Accounts",
    summary: "Confirm an email address with the emailed token",
    description: "The token of a change of address's link (`POST /api/auth/email/change/`) works too: it makes the new address the account's, verified.",
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

/**
 * The button of the page a verification link opens (docs/api.md, email links): a link
 * used again, or whose address was verified anyway, answers verified too.
 */
export const POST = apiRoute(
  {
    tag: "Accounts",
    summary: "Verify with the token of an emailed link: the button of the page the link opens",
    description:
      'As the GET, but a link used before, or whose address is verified anyway (another link, a reset), answers 200 too: a second click, a reload or a mail scanner that opened the link first never ends in "this link does not work". The link of a change of address (`POST /api/auth/email/change/`) lands here too: its button makes the new address the account\'s, verified.',
    rateLimit: "api",
    body: LinkTokenRequestSchema,
    answers: [
      answer(200, '`{"message": "Email verified"}`: verified now, or already.', MessageSchema),
      answer(400, 'Field errors, or `{"detail": "Invalid or expired token"}`: unknown, malformed, or unused and expired with the address unverified.', [FieldErrorsSchema, DetailSchema]),
    ],
  },
  async ({ body, client }) => {
    const result = await verifyEmailToken(body.token, Date.now(), client, { again: "verified" });
    return result.ok ? json({ message: "Email verified" }) : detail(400, "Invalid or expired token");
  },
);
export const { PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD", "POST");
