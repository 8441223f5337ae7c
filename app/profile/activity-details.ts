import type { ActivityItem } from "@/lib/api-schemas";
import { PROVIDER_LABELS, isSocialProvider } from "@/lib/social";
import { describeDevice, formatLastActive } from "./session-details";

// Security events in words, for "Recent security activity" on the profile:
// "Signed in with GitHub · Chrome on Linux · 2 hours ago".

export type { ActivityItem };

const text = (value: unknown): string | null => (typeof value === "string" && value ? value : null);

function providerName(value: unknown): string {
  const name = text(value);
  return name && isSocialProvider(name) ? PROVIDER_LABELS[name] : (name ?? "A provider");
}

function methodWords(value: unknown): string {
  const method = text(value);
  if (method === "password") return "a password";
  if (method === "passkey") return "a passkey";
  return method ? providerName(method) : "an unknown method";
}

function secondStepWords(value: unknown): string | null {
  if (value === "totp") return "a code";
  if (value === "recovery_code") return "a recovery code";
  if (value === "passkey") return "a passkey";
  return null;
}

const quoted = (value: unknown) => (text(value) ? ` “${text(value)}”` : "");

/** What happened, as a short sentence without a full stop. */
export function describeEventAction(event: Pick<ActivityItem, "type" | "detail">): string {
  const { detail } = event;
  switch (event.type) {
    case "login": {
      const second = secondStepWords(detail.second_factor);
      return `Signed in with ${methodWords(detail.method)}${second ? ` and ${second}` : ""}`;
    }
    case "login_failed":
      return detail.second_factor ? "Failed sign-in attempt: wrong code" : "Failed sign-in attempt: wrong password";
    case "logout":
      return "Signed out";
    case "refresh_reuse":
      return "A session was signed out because its token was used twice";
    case "password_changed":
      return "Password changed";
    case "password_reset":
      return "Password reset with an emailed link";
    case "email_verified":
      return "Email address verified";
    case "provider_linked":
      return `${providerName(detail.provider)} linked`;
    case "provider_unlinked":
      return `${providerName(detail.provider)} unlinked`;
    case "session_revoked":
      return typeof detail.count === "number" && detail.count > 1 ? `${detail.count} other sessions were signed out` : "A session was signed out";
    case "mfa_enabled":
      return "Two-step verification turned on";
    case "mfa_disabled":
      return "Two-step verification turned off";
    case "recovery_code_used": {
      const left = typeof detail.remaining === "number" ? ` (${detail.remaining} left)` : "";
      return `Recovery code used${left}`;
    }
    case "recovery_codes_regenerated":
      return "New recovery codes made (the old ones stopped working)";
    case "passkey_added":
      return `Passkey${quoted(detail.name)} added`;
    case "passkey_removed":
      return `Passkey${quoted(detail.name)} removed`;
    case "app_sign_in":
      return `Signed in to ${text(detail.app) ?? "an app"}`;
    case "app_access_revoked":
      return `Access removed for ${text(detail.app) ?? "an app"}`;
    case "username_changed":
      return text(detail.to) ? `Username changed to ${text(detail.to)}` : "Username changed";
    case "email_change_requested":
      return text(detail.to) ? `A change of email address to ${text(detail.to)} was asked for` : "A change of email address was asked for";
    case "email_changed":
      return text(detail.to) ? `Email address changed to ${text(detail.to)}` : "Email address changed";
    case "email_change_cancelled":
      return detail.reverted === true ? "The change of email address was undone from the old address" : "A change of email address was cancelled";
    case "admin_disabled":
      return "An administrator disabled your account";
    case "admin_enabled":
      return "An administrator enabled your account again";
    case "admin_sessions_revoked":
      return "An administrator signed out every session of your account";
    case "admin_second_factor_reset":
      return "An administrator reset your two-step verification and passkeys";
    case "admin_verification_resent":
      return "An administrator sent you a new verification link";
    case "admin_role_changed":
      return detail.role === "admin" ? "Your account was made an administrator" : "Your account is no longer an administrator";
  }
}

/** The event in one line: what, on which device, when. */
export function describeEvent(event: ActivityItem, now = Date.now()): string {
  return [describeEventAction(event), describeDevice(event.user_agent), formatLastActive(event.at, now)].join(" · ");
}
