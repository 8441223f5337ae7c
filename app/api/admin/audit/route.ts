import { listAdminAudit } from "@/lib/admin/audit";
import { pageRequest } from "@/lib/admin/pages";
import { INVALID_PAGE, invalidPage, PAGE } from "@/lib/api/admin";
import { AuditPageSchema } from "@/lib/api-schemas";
import { getEnv } from "@/lib/env";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  {
    tag: "Administration",
    summary: "What administrators did, newest first, in pages (kept a year)",
    description: "25 entries a page, in Django REST Framework's page shape. Only changes are recorded, each with its reason.",
    rateLimit: "api",
    auth: "admin",
    query: { page: PAGE },
    answers: [answer(200, "One page.", AuditPageSchema), INVALID_PAGE],
  },
  async ({ request }) => {
    const url = new URL(request.nextUrl.pathname + request.nextUrl.search, getEnv().APP_URL);
    const page = await listAdminAudit(pageRequest(url, { pageSize: false }));
    return page ? json(page) : invalidPage();
  },
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
