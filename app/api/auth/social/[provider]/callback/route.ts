import { z } from "zod";
import { completeSocialCallback } from "@/lib/auth/oauth/flow";
import { getProviderConfig } from "@/lib/auth/oauth/providers";
import { PROVIDER, redirectAfterSignIn, redirectToSecondStep, redirectWithError, unsupportedProvider } from "@/lib/api/social";
import { answer, detailAnswer } from "@/lib/http/answers";
import { clearStateCookie, refreshCookie, stateCookie } from "@/lib/http/cookies";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { log } from "@/lib/log";

/**
 * The provider sends the browser back here. A top-level cross-site navigation by
 * nature, so no Origin check: the single-use state in the cookie is what proves that
 * this browser started the flow (docs/security.md, cross-site requests). Every answer
 * deletes the state cookie.
 */
export const GET = apiRoute(
  {
    tag: "Social login",
    summary: "Finish social sign-in (the provider sends the browser here)",
    rateLimit: "api",
    auth: "stateCookie",
    params: { provider: PROVIDER },
    query: {
      code: { description: "The provider's authorization code.", schema: z.string() },
      state: { description: "Must match the state cookie.", schema: z.string() },
      error: { description: "Set by the provider when sign-in did not happen.", schema: z.string() },
    },
    answers: [
      answer(
        302,
        "To `next` (with the refresh cookie), or to `/login/?error=<code>` (`/profile/?error=<code>` for a link). The state cookie is deleted.",
        [],
        ["Location", "Set-Cookie"],
      ),
      detailAnswer(404, '`{"detail": "Unsupported provider"}`; the state cookie is deleted.', ["Set-Cookie"]),
    ],
  },
  async ({ request, params, query, client }) => {
    const provider = getProviderConfig(params.provider);
    if (!provider) return clearStateCookie(unsupportedProvider());
    try {
      const result = await completeSocialCallback({
        provider,
        query,
        stateCookie: stateCookie(request),
        refreshToken: refreshCookie(request),
        client,
      });
      if (!result.ok) return redirectWithError(result.errorPage, result.code);
      if (result.kind === "mfa_required") return redirectToSecondStep(result.next, result.mfaToken, result.methods);
      return redirectAfterSignIn(result.next, result.kind === "signed_in" ? result.grant : null);
    } catch (error) {
      // Still a redirect that deletes the state cookie, so the person lands on a page
      // that says what happened instead of a JSON 500.
      log.error("social callback failed", { error, provider: provider.name });
      return redirectWithError("/login/", "server_error");
    }
  },
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
