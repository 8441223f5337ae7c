import { completeSocialCallback } from "@/lib/auth/oauth/flow";
import { getProviderConfig } from "@/lib/auth/oauth/providers";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { detail } from "@/lib/http/answers";
import { clearStateCookie, refreshCookie, stateCookie } from "@/lib/http/cookies";
import { requestClient } from "@/lib/http/request";
import { redirectAfterSignIn, redirectToSecondStep, redirectWithError } from "@/lib/api/social";
import { log } from "@/lib/log";

type Context = { params: Promise<{ provider: string }> };

/**
 * The provider sends the browser back here. A top-level cross-site navigation by
 * nature, so no Origin check: the single-use state in the cookie is what proves that
 * this browser started the flow (docs/security.md, cross-site requests). Every answer
 * deletes the state cookie.
 */
export const GET = apiRoute({ rateLimit: "api" }, async (request, context: Context) => {
  const provider = getProviderConfig((await context.params).provider);
  if (!provider) return clearStateCookie(detail(404, "Unsupported provider"));

  const query = request.nextUrl.searchParams;
  try {
    const result = await completeSocialCallback({
      provider,
      query: { code: query.get("code"), state: query.get("state"), error: query.get("error") },
      stateCookie: stateCookie(request),
      refreshToken: refreshCookie(request),
      client: requestClient(request),
    });
    deliverAfterResponse(result.emailId ?? null);
    if (!result.ok) return redirectWithError(result.errorPage, result.code);
    if (result.kind === "mfa_required") return redirectToSecondStep(result.next, result.mfaToken, result.methods);
    return redirectAfterSignIn(result.next, result.kind === "signed_in" ? result.grant : null);
  } catch (error) {
    // Still a redirect that deletes the state cookie, so the person lands on a page
    // that says what happened instead of a JSON 500.
    log.error("social callback failed", { error, provider: provider.name });
    return redirectWithError("/login/", "server_error");
  }
});

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
