import { exportAccount } from "@/lib/account/export";
import { apiRoute, json, methodNotAllowed, unauthorized } from "@/lib/http";

/** Everything stored about the user, as a download (docs/api.md; GDPR articles 15 and 20). */
export const GET = apiRoute({ rateLimit: "api", auth: "bearer" }, async (_request, _context, auth) => {
  const document = await exportAccount(auth.user.id);
  if (!document) return unauthorized("invalid");
  const day = document.exported_at.slice(0, 10);
  return json(document, { headers: { "Content-Disposition": `attachment; filename="gatehouse-account-${auth.user.id}-${day}.json"` } });
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
