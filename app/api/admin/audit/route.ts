import { listAdminAudit } from "@/lib/admin/audit";
import { pageRequest } from "@/lib/admin/pages";
import { apiRoute, detail, json, methodNotAllowed } from "@/lib/http";
import { getEnv } from "@/lib/env";

/** What administrators did, newest first, in DRF's page shape (docs/api.md, administration). */
export const GET = apiRoute({ rateLimit: "api", auth: "admin" }, async (request) => {
  const url = new URL(request.nextUrl.pathname + request.nextUrl.search, getEnv().APP_URL);
  const page = await listAdminAudit(pageRequest(url, { pageSize: false }));
  return page ? json(page) : detail(404, "Invalid page.");
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
