import { decodeActivityCursor, listSecurityEvents } from "@/lib/auth/activity";
import { apiRoute, fieldErrors, json, methodNotAllowed, parseInput } from "@/lib/http";
import { ActivityQuerySchema } from "@/lib/validation";

// The last 50 events as before for clients that do not page; ?limit=, ?before=, ?after=
// and the Link header for those that do (docs/decisions/037).
export const GET = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  const query = parseInput(ActivityQuerySchema, Object.fromEntries(request.nextUrl.searchParams));
  if (!query.ok) return query.response;
  const { limit, before, after } = query.data;
  const cursor = (value: string | undefined) => (value === undefined ? undefined : decodeActivityCursor(value));
  const [older, newer] = [cursor(before), cursor(after)];
  if (older === null) return fieldErrors({ before: ["Invalid cursor."] });
  if (newer === null) return fieldErrors({ after: ["Invalid cursor."] });

  const page = await listSecurityEvents(auth.user.id, { limit, before: older, after: newer });
  const link = (rel: string, name: string, cursor: string | null) =>
    cursor ? `</api/auth/activity/?${new URLSearchParams({ [name]: cursor, ...(limit ? { limit: String(limit) } : {}) })}>; rel="${rel}"` : null;
  const links = [link("next", "before", page.older), link("prev", "after", page.newer)].filter(Boolean);
  return json(page.events, links.length ? { headers: { Link: links.join(", ") } } : {});
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
