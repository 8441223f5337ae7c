// Names, labels and error messages of social login, shared by the API and the pages
// (nothing server-only here). The codes are those the callback puts in `?error=`.

export const SOCIAL_PROVIDERS = ["google", "github"] as const;
export type SocialProvider = (typeof SOCIAL_PROVIDERS)[number];

export const PROVIDER_LABELS: Record<SocialProvider, string> = { google: "Google", github: "GitHub" };

export const isSocialProvider = (value: string): value is SocialProvider =>
  (SOCIAL_PROVIDERS as readonly string[]).includes(value);

/** What each `?error=` code means, in words a person can act on. */
export const SOCIAL_ERROR_MESSAGES = {
  access_denied: "Sign-in was cancelled at the provider. Nothing was changed.",
  provider_error: "The provider could not complete the sign-in. Please try again.",
  state_mismatch: "That sign-in link was not started from this browser, or was already used. Please start again.",
  expired: "The sign-in took too long and expired. Please start again.",
  exchange_failed: "We could not confirm the sign-in with the provider. Please try again.",
  profile_failed: "We could not read your profile from the provider. Please try again.",
  email_required: "The provider did not share a verified email address, which is needed to create an account.",
  account_exists:
    "An account with this email address already exists. Sign in with your password, then link the provider from your profile.",
  already_linked: "That provider account is already linked to a different account here.",
  provider_account_mismatch:
    "Your account is already linked to a different account at this provider. Unlink it from your profile first.",
  not_signed_in: "Sign in first, then link the provider from your profile.",
  email_not_verified:
    "This account's email address is not verified yet. Open the link we emailed you first (once signed in, you can ask for a new one).",
  account_disabled: "This account is disabled, so it cannot sign in. If you think this is a mistake, contact the people who run this service.",
  unsupported_provider: "That sign-in provider is not available here.",
  credentials_changed: "Your account's password or two-step verification changed while you were signing in. Please sign in again.",
  server_error: "Something went wrong on our side. Please try again.",
} as const;

export type SocialErrorCode = keyof typeof SOCIAL_ERROR_MESSAGES;

export function socialErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  return code in SOCIAL_ERROR_MESSAGES
    ? SOCIAL_ERROR_MESSAGES[code as SocialErrorCode]
    : "Sign-in did not complete. Please try again.";
}
