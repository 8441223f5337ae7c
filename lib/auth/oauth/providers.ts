import "server-only";
import { getEnv } from "@/lib/env";
import { isSocialProvider, SOCIAL_PROVIDERS, type SocialProvider } from "@/lib/social";
import { fetchGitHubProfile, fetchGoogleProfile, type ProfileResult } from "./profiles";

// The provider table: everything that differs between Google and GitHub lives here, so
// the flow itself has no `if (provider === ...)`. Endpoints come from configuration
// (docs/api.md, "Provider endpoints are configuration"), defaulting to the real ones.

export type ProviderConfig = {
  name: SocialProvider;
  clientId: string;
  clientSecret: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  scopes: string[];
  /** Turns an access token into the normalised profile the linking rules read. */
  fetchProfile(accessToken: string): Promise<ProfileResult>;
};

/** The configuration of one provider, or null when it is unknown or not configured. */
export function getProviderConfig(name: string): ProviderConfig | null {
  if (!isSocialProvider(name)) return null;
  const env = getEnv();
  if (name === "google") {
    if (!env.GOOGLE_CLIENT_ID || !env.GOOGLE_CLIENT_SECRET) return null;
    const userinfoEndpoint = env.GOOGLE_USERINFO_URL;
    return {
      name,
      clientId: env.GOOGLE_CLIENT_ID,
      clientSecret: env.GOOGLE_CLIENT_SECRET,
      authorizationEndpoint: env.GOOGLE_AUTH_URL,
      tokenEndpoint: env.GOOGLE_TOKEN_URL,
      scopes: ["openid", "email", "profile"],
      fetchProfile: (accessToken) => fetchGoogleProfile({ userinfoEndpoint, accessToken }),
    };
  }
  if (!env.GITHUB_CLIENT_ID || !env.GITHUB_CLIENT_SECRET) return null;
  const apiBase = env.GITHUB_API_URL;
  return {
    name,
    clientId: env.GITHUB_CLIENT_ID,
    clientSecret: env.GITHUB_CLIENT_SECRET,
    authorizationEndpoint: env.GITHUB_AUTH_URL,
    tokenEndpoint: env.GITHUB_TOKEN_URL,
    scopes: ["read:user", "user:email"],
    fetchProfile: (accessToken) => fetchGitHubProfile({ apiBase, accessToken }),
  };
}

/** Providers whose client id and secret are both configured (docs/api.md: otherwise 404). */
export function enabledProviders(): SocialProvider[] {
  return SOCIAL_PROVIDERS.filter((provider) => getProviderConfig(provider) !== null);
}

/** The callback this app registers with every provider: `{APP_URL}/api/auth/social/<p>/callback/`. */
export function callbackUrl(provider: SocialProvider): string {
  return `${getEnv().APP_URL}/api/auth/social/${provider}/callback/`;
}
