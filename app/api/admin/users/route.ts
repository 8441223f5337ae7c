import { pageRequest } from "@/lib/admin/pages";
import { listUsers } from "@/lib/admin/users";
import { apiRoute, detail, json, methodNotAllowed } from "@/lib/http";
import { getEnv } from "@/lib/env";

/** The accounts, newest first, in DRF's page shape; `q` matches username or email (docs/api.md, administration). */
export const GET = apiRoute({ rateLimit: "api", auth: "admin" }, async (request) => {
  const url = new URL(request.nextUrl.pathname + request.nextUrl.search, getEnv().APP_URL);
  const page = await listUsers({ q: url.searchParams.get("q"), page: pageRequest(url) });
  return page ? json(page) : detail(404, "Invalid page.");
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
