import "server-only";
import { z } from "zod";
import type { AuditActor } from "@/lib/admin/audit";
import type { Client } from "@/lib/auth/activity";
import { detail, detailAnswer } from "@/lib/http/answers";
import type { Parameter } from "@/lib/http/route";

// The answers of the administration routes (docs/api.md, administration) that more than
// one route gives, and their declarations. apiRoute's `auth: "admin"` adds ADMIN_REFUSED
// (lib/http/refusals.ts).

/** The administrator behind a request with `auth: "admin"`, as the audit records them. */
export const adminActor = (auth: { user: { id: number; email: string } }, client: Client): Extract<AuditActor, { kind: "admin" }> => ({
  kind: "admin",
  id: auth.user.id,
  email: auth.user.email,
  ip: client.ip,
});

/** The `{id}` of /api/admin/users/{id}/…: an id that names no account is 404. */
export const USER_ID = { id: { description: "The account's id.", schema: z.string() } } satisfies Record<string, Parameter>;

/** 404 in DRF's words, for an id that names nothing. */
export const notFound = () => detail(404, "Not found.");
export const USER_NOT_FOUND = detailAnswer(404, '`{"detail": "Not found."}`: no account with that id.');

/** 409 for a change that would leave no administrator who can act (lib/admin/roles.ts). */
export const lastAdmin = () => detail(409, "This is the last administrator: make someone else an administrator first.", "last_admin");
export const LAST_ADMIN = detailAnswer(409, '`{"detail": ..., "code": "last_admin"}`: it would leave no administrator who can act.');

/** DRF's answer to a page that does not exist. */
export const invalidPage = () => detail(404, "Invalid page.");
export const INVALID_PAGE = detailAnswer(404, '`{"detail": "Invalid page."}`: past the last page, or not a page number.');

/** `?page=`, as DRF's PageNumberPagination reads it (lib/admin/pages.ts). */
export const PAGE = { description: "From 1 (`last` for the last page).", schema: z.string() } satisfies Parameter;
