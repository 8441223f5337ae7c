import { z } from "zod";
import { signInWithAuthorizationCode, startSocialLogin } from "@/lib/auth/oauth/flow";
import { unlinkSocialAccount } from "@/lib/auth/oauth/linking";
import { getProviderConfig } from "@/lib/auth/oauth/providers";
import { getProfile } from "@/lib/auth/user";
import { SIGNED_IN, signInResponse } from "@/lib/api/sign-in";
import { PROVIDER, redirectToProvider, redirectWithError, UNSUPPORTED_PROVIDER, unsupportedProvider } from "@/lib/api/social";
import { DetailSchema, FieldErrorsSchema, ProfileSchema } from "@/lib/api-schemas";
import { answer, detail, detailAnswer, fieldErrors, json } from "@/lib/http/answers";
import { refreshCookie } from "@/lib/http/cookies";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { SOCIAL_ERROR_MESSAGES } from "@/lib/social";
import { CodeExchangeSchema } from "@/lib/validation";

// DRF's word for a missing field, and why it is needed here: no default is configured.
const REDIRECT_URI_REQUIRED = "This field is required: the server has no OAUTH_REDIRECT_URIS entry to use instead.";

/** Start the browser flow: `?next=` where to land, `?intent=link` to link to the signed-in user. */
export const GET = apiRoute(
  {
    tag: "Social login",
    summary: "Start social sign-in in the browser (redirect to the provider)",
    rateLimit: "api",
    params: { provider: PROVIDER },
    query: {
      next: { description: "A same-origin path to land on; anything else means `/profile/`.", schema: z.string() },
      intent: { description: "`link`: link the provider to the signed-in user (refresh cookie).", schema: z.enum(["link"]) },
    },
    answers: [
      answer(302, "To the provider's authorization URL with the state cookie, or to `/login/?error=not_signed_in` for a link without a session.", [], ["Location", "Set-Cookie"]),
      UNSUPPORTED_PROVIDER,
    ],
  },
  async ({ request, params, query }) => {
    const provider = getProviderConfig(params.provider);
    if (!provider) return unsupportedProvider();
    const started = await startSocialLogin({
      provider,
      next: query.next,
      intent: query.intent === "link" ? "link" : "login",
      refreshToken: refreshCookie(request),
    });
    if (!started.ok) return redirectWithError(started.errorPage, started.code);
    return redirectToProvider(started.authorizationUrl, started.stateCookie);
  },
);

/** The external client flow: exchange a PKCE code obtained elsewhere for a session. */
export const POST = apiRoute(
  {
    tag: "Social login",
    summary: "Exchange a code that an external client obtained with PKCE",
    description:
      "`redirect_uri` may be left out, as the seed's own frontend does: the first entry of `OAUTH_REDIRECT_URIS` is then used. A given one must be the app's callback or listed there, exactly.",
    rateLimit: "social-exchange",
    params: { provider: PROVIDER },
    body: CodeExchangeSchema,
    answers: [
      SIGNED_IN,
      answer(
        400,
        '`{"detail": "Code exchange failed"}`, `{"detail": "Failed to fetch user from provider"}`, `{"detail": ..., "code": "account_exists" | "email_required" | "provider_account_mismatch" | "credentials_changed"}` (`credentials_changed`: the password or second factor changed during the sign-in; start again), `{"redirect_uri": ["This redirect URI is not allowed."]}`, or, without `redirect_uri` and with no `OAUTH_REDIRECT_URIS` configured, `{"redirect_uri": ["This field is required: …"]}`.',
        [DetailSchema, FieldErrorsSchema],
      ),
      detailAnswer(403, '`REQUIRE_VERIFIED_EMAIL=true` and the account is unverified (`"code": "email_not_verified"`), or the account is disabled (`"code": "account_disabled"`).'),
      UNSUPPORTED_PROVIDER,
    ],
  },
  async ({ params, body, client }) => {
    const provider = getProviderConfig(params.provider);
    if (!provider) return unsupportedProvider();
    const result = await signInWithAuthorizationCode({
      provider,
      code: body.code,
      codeVerifier: body.code_verifier,
      redirectUri: body.redirect_uri,
      client,
    });
    if (!result.ok && result.reason !== "email_not_verified" && result.reason !== "account_disabled") {
      switch (result.reason) {
        case "redirect_uri_not_allowed":
          return fieldErrors({ redirect_uri: ["This redirect URI is not allowed."] });
        case "redirect_uri_required":
          return fieldErrors({ redirect_uri: [REDIRECT_URI_REQUIRED] });
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
    // The login body, the mfa_required body, or 403 email_not_verified or account_disabled, as password login answers.
    return signInResponse(result);
  },
);

/** Unlink the provider from the Bearer token's user; 200 with the updated profile. */
export const DELETE = apiRoute(
  {
    tag: "Social login",
    summary: "Unlink the provider from the current user",
    rateLimit: "api",
    auth: "bearer",
    params: { provider: PROVIDER },
    answers: [
      answer(200, "The updated profile.", ProfileSchema),
      detailAnswer(400, '`{"detail": "Cannot remove the last sign-in method", "code": "last_sign_in_method"}`'),
      detailAnswer(404, '`{"detail": "Unsupported provider"}`, or `{"detail": "Provider not linked", "code": "not_linked"}`.'),
    ],
  },
  async ({ params, auth, client }) => {
    const provider = getProviderConfig(params.provider);
    if (!provider) return unsupportedProvider();
    const result = await unlinkSocialAccount({ userId: auth.user.id, provider: provider.name, client });
    if (!result.ok) {
      return result.reason === "not_linked"
        ? detail(404, "Provider not linked", "not_linked")
        : detail(400, "Cannot remove the last sign-in method", "last_sign_in_method");
    }
    return json(await getProfile(auth.user));
  },
);

export const { PUT, PATCH } = methodNotAllowed("GET", "HEAD", "POST", "DELETE");
