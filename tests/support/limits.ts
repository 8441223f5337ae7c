/**
 * Abuse limits raised out of the way for suites that send many requests from one
 * address (docs/security.md's defaults would refuse them); tests about limits set their own.
 */
export const RELAXED_LIMITS: Record<string, string> = {
  RATE_LIMIT_LOGIN_PER_IP: "10000",
  RATE_LIMIT_LOGIN_FAILURES: "10000",
  RATE_LIMIT_REGISTER_PER_IP: "10000",
  RATE_LIMIT_EMAIL_PER_IP: "10000",
  RATE_LIMIT_EMAIL_PER_ADDRESS: "10000",
  RATE_LIMIT_REFRESH_PER_IP: "10000",
  RATE_LIMIT_API_PER_IP: "10000",
  RATE_LIMIT_OIDC_PER_IP: "10000",
  RATE_LIMIT_OIDC_PER_CLIENT: "10000",
};
