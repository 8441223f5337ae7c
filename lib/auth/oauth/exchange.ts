import "server-only";
import {
  ArcticFetchError,
  CodeChallengeMethod,
  OAuth2Client,
  OAuth2RequestError,
  UnexpectedErrorResponseBodyError,
  UnexpectedResponseError,
} from "arctic";
import { z } from "zod";
import { log } from "@/lib/log";
import type { SocialProfile } from "./profiles";
import type { ProviderConfig } from "./providers";
import { UPSTREAM_TIMEOUT_MS } from "./upstream";

// arctic's generic OAuth2Client for both providers: its GitHub class sends no PKCE
// verifier (the seed's hole) and hard-codes github.com, while endpoints here are
// configuration. Client credentials go as HTTP Basic (client_secret_basic).

/** The provider's authorization URL with S256 PKCE, state and the exact redirect URI. */
export function createAuthorizationUrl(input: {
  provider: ProviderConfig;
  redirectUri: string;
  state: string;
  codeVerifier: string;
}): URL {
  const client = new OAuth2Client(input.provider.clientId, input.provider.clientSecret, input.redirectUri);
  return client.createAuthorizationURLWithPKCE(
    input.provider.authorizationEndpoint,
    input.state,
    CodeChallengeMethod.S256,
    input.codeVerifier,
    input.provider.scopes,
  );
}

// GitHub answers token errors with 200 and `{ "error": ... }`; requiring an access token
// here turns that (and any other odd body) into a failed exchange.
const TokenResponseSchema = z.object({ access_token: z.string().min(1).max(4096) });

export type ExchangeResult =
  | { ok: true; profile: SocialProfile }
  | { ok: false; reason: "exchange_failed" | "profile_failed" };

/** Trade an authorization code (and its PKCE verifier) for the account's profile. */
export async function exchangeCodeForProfile(input: {
  provider: ProviderConfig;
  redirectUri: string;
  code: string;
  codeVerifier: string;
}): Promise<ExchangeResult> {
  const accessToken = await requestAccessToken(input);
  if (accessToken === null) return { ok: false, reason: "exchange_failed" };
  const profile = await input.provider.fetchProfile(accessToken);
  return profile.ok ? profile : { ok: false, reason: "profile_failed" };
}

async function requestAccessToken(input: {
  provider: ProviderConfig;
  redirectUri: string;
  code: string;
  codeVerifier: string;
}): Promise<string | null> {
  const { provider } = input;
  const client = new OAuth2Client(provider.clientId, provider.clientSecret, input.redirectUri);
  // arctic takes no AbortSignal; the race bounds how long a request waits. The losing
  // promise settles later on its own and its rejection is handled by the race.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), UPSTREAM_TIMEOUT_MS);
  });
  try {
    const tokens = await Promise.race([
      client.validateAuthorizationCode(provider.tokenEndpoint, input.code, input.codeVerifier),
      timeout,
    ]);
    if (tokens === "timeout") {
      log.warn("oauth token request timed out", { provider: provider.name });
      return null;
    }
    const parsed = TokenResponseSchema.safeParse(tokens.data);
    if (!parsed.success) {
      log.warn("oauth token response refused", { provider: provider.name });
      return null;
    }
    return parsed.data.access_token;
  } catch (error) {
    log.warn("oauth token request failed", { provider: provider.name, ...describeTokenFailure(error) });
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What may be logged about a failed token request: the kind of failure and the HTTP
 * status. arctic's errors also carry the provider's error text and body, which may hold
 * anything (docs/security.md: upstream bodies never reach a log line).
 */
function describeTokenFailure(error: unknown): { failure: string; status?: number } {
  if (error instanceof OAuth2RequestError) return { failure: "oauth_error_response" };
  if (error instanceof UnexpectedErrorResponseBodyError) return { failure: "unexpected_error_body", status: error.status };
  if (error instanceof UnexpectedResponseError) return { failure: "unexpected_response", status: error.status };
  if (error instanceof ArcticFetchError) return { failure: "unreachable" };
  return { failure: "unknown" };
}
