import "server-only";
import { getEnv } from "@/lib/env";
import { SOCIAL_PROVIDERS, type SocialProvider } from "@/lib/social";

/** Providers whose client id and secret are both configured (api.md: otherwise 404). */
export function enabledProviders(): SocialProvider[] {
  const env = getEnv();
  return SOCIAL_PROVIDERS.filter((provider) =>
    provider === "google"
      ? Boolean(env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET)
      : Boolean(env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET),
  );
}
