// The kinds of security event (docs/api.md, security activity), shared by the schema,
// the API description and the profile page that puts them in words. Nothing server-only.

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
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

/** An item of GET /api/auth/activity/. */
export type ActivityItem = {
  type: SecurityEventType;
  at: string;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
};
