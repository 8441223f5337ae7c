// What the administration pages read from /api/admin/ (docs/api.md, administration), as an
// external client would (the shapes are lib/api-schemas.ts's), and the audit in words.

import type { AdminAction } from "@/db/security-event-types";
import type { AuditEntry } from "@/lib/api-schemas";

export type { AdminUser, AdminUserDetail, AdminUserPage, AuditEntry, AuditPage } from "@/lib/api-schemas";

/** The API's page size (DRF's default here), to count the pages. */
export const ADMIN_PAGE_SIZE = 25;

const ACTION_WORDS: Record<AdminAction, (target: string) => string> = {
  user_disabled: (t) => `disabled the account of ${t}`,
  user_enabled: (t) => `enabled the account of ${t} again`,
  sessions_revoked: (t) => `signed out every session of ${t}`,
  second_factor_reset: (t) => `reset the two-step verification and passkeys of ${t}`,
  verification_resent: (t) => `sent a new verification link to ${t}`,
  user_deleted: (t) => `deleted the account of ${t}`,
  role_granted: (t) => `made ${t} an administrator`,
  role_revoked: (t) => `removed the administrator role of ${t}`,
};

/** An audit entry as a sentence: "ada@example.com disabled the account of bob@example.com". */
export function describeAuditEntry(entry: Pick<AuditEntry, "action" | "admin" | "target">): string {
  const target = entry.target?.email ?? (entry.target?.id ? `account #${entry.target.id}` : "an account");
  const who = entry.admin ? (entry.admin.email ?? `administrator #${entry.admin.id}`) : "From the server's shell, someone";
  return `${who} ${ACTION_WORDS[entry.action](target)}`;
}
