import { signInWithAuthorizationCode, startSocialLogin } from "@/lib/auth/oauth/flow";
import { unlinkSocialAccount } from "@/lib/auth/oauth/linking";
import { getProviderConfig } from "@/lib/auth/oauth/providers";
import { redirectToProvider, redirectWithError } from "@/lib/auth/oauth/redirects";
import { getProfile } from "@/lib/auth/user";
import {
  apiRoute,
  deliverAfterResponse,
  requestClient,
  clientIp,
  detail,
  fieldErrors,
  json,
  methodNotAllowed,
  parseJsonBody,
  refreshCookie,
  signInResponse,
  userAgent,
} from "@/lib/http";
import { SOCIAL_ERROR_MESSAGES } from "@/lib/social";
import { CodeExchangeSchema } from "@/lib/validation";

type Context = { params: Promise<{ provider: string }> };

const unsupportedProvider = () => detail(404, "Unsupported provider");

/** Start the browser flow: `?next=` where to land, `?intent=link` to link to the signed-in user. */
export const GET = apiRoute({ rateLimit: "api" }, async (request, context: Context) => {
  const provider = getProviderConfig((await context.params).provider);
  if (!provider) return unsupportedProvider();

  const query = request.nextUrl.searchParams;
  const started = await startSocialLogin({
    provider,
    next: query.get("next"),
    intent: query.get("intent") === "link" ? "link" : "login",
    refreshToken: refreshCookie(request),
  });
  if (!started.ok) return redirectWithError(started.errorPage, started.code);
  return redirectToProvider(started.authorizationUrl, started.stateCookie);
});

/** The external client flow: exchange a PKCE code obtained elsewhere for a session. */
export const POST = apiRoute({ rateLimit: "social-exchange" }, async (request, context: Context) => {
  const provider = getProviderConfig((await context.params).provider);
  if (!provider) return unsupportedProvider();
  const input = await parseJsonBody(request, CodeExchangeSchema);
  if (!input.ok) return input.response;

  const result = await signInWithAuthorizationCode({
    provider,
    code: input.data.code,
    codeVerifier: input.data.code_verifier,
    redirectUri: input.data.redirect_uri,
    client: requestClient(request),
  });
  if (!result.ok && result.reason !== "email_not_verified" && result.reason !== "account_disabled") {
    switch (result.reason) {
      case "redirect_uri_not_allowed":
        return fieldErrors({ redirect_uri: ["This redirect URI is not allowed."] });
      case "exchange_failed":
        return detail(400, "Code exchange failed");
      case "profile_failed":
        return detail(400, "Failed to fetch user from provider");
      case "account_exists":
      case "email_required":
      case "provider_account_mismatch":
      case "credentials_changed":
        return detail(400, SOCIAL_ERROR_MESSAGES[result.reason], result.reason);
    }
  }
  deliverAfterResponse(result.emailId);
  // The login body, the mfa_required body, or 403 email_not_verified or account_disabled, as password login answers.
  return signInResponse(result);
});

/** Unlink the provider from the Bearer token's user; 200 with the updated profile. */
export const DELETE = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, context: Context, auth) => {
  const provider = getProviderConfig((await context.params).provider);
  if (!provider) return unsupportedProvider();

  const result = await unlinkSocialAccount({ userId: auth.user.id, provider: provider.name, client: requestClient(request) });
  if (!result.ok) {
    return result.reason === "not_linked"
      ? detail(404, "Provider not linked", "not_linked")
      : detail(400, "Cannot remove the last sign-in method", "last_sign_in_method");
  }
  return json(await getProfile(auth.user));
});

export const { PUT, PATCH } = methodNotAllowed("GET", "HEAD", "POST", "DELETE");
