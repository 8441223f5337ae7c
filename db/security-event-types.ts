// The values of the columns that take one of a list (db/tables.ts): the kinds of security
// event (docs/api.md, security activity) that security_events.type takes, users.role and
// admin_audit.action. The API's schemas (lib/api-schemas.ts), and so the pages that put
// them in words, read them from here. Nothing server-only.

export const SECURITY_EVENT_TYPES = [
  "login",
  "login_failed",
  "logout",
  "refresh_reuse",
  "password_changed",
  "password_reset",
  "email_verified",
  "provider_linked",
  "provider_unlinked",
  "session_revoked",
  "mfa_enabled",
  "mfa_disabled",
  "recovery_code_used",
  "recovery_codes_regenerated",
  "passkey_added",
  "passkey_removed",
  // A sign-in to another app through Gatehouse (OpenID Connect): detail names the app.
  "app_sign_in",
  "app_access_revoked",
  // The account's own lifecycle (docs/api.md).
  "username_changed",
  "email_change_requested",
  "email_changed",
  "email_change_cancelled",
  // What an administrator did to the account (lib/admin/actions.ts), in its owner's words.
  "admin_disabled",
  "admin_enabled",
  "admin_sessions_revoked",
  "admin_second_factor_reset",
  "admin_verification_resent",
  "admin_role_changed",
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

/** users.role: `admin` may use /api/admin/ (docs/api.md, administration). */
export const USER_ROLES = ["user", "admin"] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** What an entry of the administrators' audit (GET /api/admin/audit/) records. */
export const ADMIN_ACTIONS = [
  "user_disabled",
  "user_enabled",
  "sessions_revoked",
  "second_factor_reset",
  "verification_resent",
  "user_deleted",
  "role_granted",
  "role_revoked",
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];
