// The kinds of security event (docs/api.md, security activity): the values the
// security_events.type column takes, which the API's schema of an event item
// (lib/api-schemas.ts) and so the profile page that puts them in words read from here.
// Nothing server-only.

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
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];
