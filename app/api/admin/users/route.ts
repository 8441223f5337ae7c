import { z } from "zod";
import { pageRequest } from "@/lib/admin/pages";
import { listUsers } from "@/lib/admin/users";
import { INVALID_PAGE, invalidPage, PAGE } from "@/lib/api/admin";
import { AdminUserPageSchema } from "@/lib/api-schemas";
import { getEnv } from "@/lib/env";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  {
    tag: "Administration",
    summary: "The accounts, newest first, in pages",
    description: "`q` matches the username or the email, without regard to case, anywhere in it. Django REST Framework's page shape.",
    rateLimit: "api",
    auth: "admin",
    query: {
      q: { description: "A part of a username or email address.", schema: z.string() },
      page: PAGE,
      page_size: { description: "25 by default; larger values are clamped to 100.", schema: z.string() },
    },
    answers: [answer(200, "One page.", AdminUserPageSchema), INVALID_PAGE],
  },
  async ({ request, query }) => {
    // The page's links are absolute, on APP_URL (lib/admin/pages.ts).
    const url = new URL(request.nextUrl.pathname + request.nextUrl.search, getEnv().APP_URL);
    const page = await listUsers({ q: query.q, page: pageRequest(url) });
    return page ? json(page) : invalidPage();
  },
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
