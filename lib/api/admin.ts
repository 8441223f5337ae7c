import "server-only";
import { z } from "zod";
import type { AdminRefusal } from "@/lib/admin/access";
import type { AuditActor } from "@/lib/admin/audit";
import type { Client } from "@/lib/auth/activity";
import { envDefault } from "@/lib/env";
import { detail, detailAnswer } from "@/lib/http/answers";
import type { Parameter } from "@/lib/http/route";
import { reauthenticationRequired } from "./second-factor";

// The answers of the administration routes (docs/api.md, administration) that more than
// one route gives, and their declarations. apiRoute's `auth: "admin"` adds ADMIN_REFUSED.

/** What apiRoute answers an administrator request it refuses (lib/admin/access.ts says why). */
export const ADMIN_REFUSED = detailAnswer(
  403,
  `Not an administrator: \`{"detail": "You do not have permission to perform this action."}\`; an administrator whose session used no second factor (a code, a recovery code or a passkey) at sign-in, or whose account has none any more (TOTP off, no passkey): \`{"detail": ..., "code": "admin_requires_second_factor"}\`; for a change (any method but GET), no sign-in or re-authentication with a code or a passkey within \`REAUTH_MAX_AGE\` (${envDefault("REAUTH_MAX_AGE") / 60} minutes; a password alone never counts here): \`{"detail": ..., "code": "reauthentication_required"}\`.`,
);

/** Why an administrator request was refused, in words. */
export function adminRefusal(reason: AdminRefusal) {
  switch (reason) {
    case "not_admin":
      return detail(403, "You do not have permission to perform this action.");
    case "second_factor_required":
      return detail(
        403,
        "Administration needs a sign-in with a second factor: turn on two-step verification or add a passkey on your profile, then sign in again with it.",
        "admin_requires_second_factor",
      );
    case "reauthentication_required":
      return reauthenticationRequired();
  }
}

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
