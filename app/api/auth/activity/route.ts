import { z } from "zod";
import { decodeActivityCursor, listSecurityEvents } from "@/lib/auth/activity";
import { ActivityListSchema, FieldErrorsSchema } from "@/lib/api-schemas";
import { answer, fieldErrors, json } from "@/lib/http/answers";
import { parseInput } from "@/lib/http/body";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { ActivityQuerySchema } from "@/lib/validation";

// The last 50 events as before for clients that do not page; ?limit=, ?before=, ?after=
// and the Link header for those that do (docs/decisions/037).
export const GET = apiRoute(
  {
    tag: "Accounts",
    summary: "The user's security events, newest first (kept 90 days): the last 50, or a page of them",
    description:
      "Without a query, the last 50 events, as ever. With `limit`, that many; with `before` or `after` (a cursor from a `Link` header), the page just older or newer than it. The answer is always the array; the `Link` header names the neighbouring pages.",
    rateLimit: "api",
    auth: "bearer",
    query: {
      limit: { description: "How many events, 1 to 50 (default 50).", schema: z.int().min(1).max(50) },
      before: { description: "A cursor from a `Link` header: the events just older than it.", schema: z.string() },
      after: { description: "A cursor from a `Link` header: the events just newer than it.", schema: z.string() },
    },
    answers: [
      answer(200, "The events.", ActivityListSchema, ["Link"]),
      answer(400, "Field errors for a `limit` out of range or a cursor that is not one (`Invalid cursor.`), or `before` and `after` together.", FieldErrorsSchema),
    ],
  },
  async ({ auth, query: raw }) => {
    const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== null));
    const query = parseInput(ActivityQuerySchema, given);
    if (!query.ok) return query.response;
    const { limit, before, after } = query.data;
    const cursor = (value: string | undefined) => (value === undefined ? undefined : decodeActivityCursor(value));
    const [older, newer] = [cursor(before), cursor(after)];
    if (older === null) return fieldErrors({ before: ["Invalid cursor."] });
    if (newer === null) return fieldErrors({ after: ["Invalid cursor."] });

    const page = await listSecurityEvents(auth.user.id, { limit, before: older, after: newer });
    const link = (rel: string, name: string, at: string | null) =>
      at ? `</api/auth/activity/?${new URLSearchParams({ [name]: at, ...(limit ? { limit: String(limit) } : {}) })}>; rel="${rel}"` : null;
    const links = [link("next", "before", page.older), link("prev", "after", page.newer)].filter(Boolean);
    return json(page.events, links.length ? { headers: { Link: links.join(", ") } } : {});
  },
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
