import "server-only";
import { generateCodeVerifier, generateState } from "arctic";
import { z } from "zod";
import { constantTimeEqual } from "@/lib/crypto";
import { safeNextPath } from "@/lib/safe-next";
import { SOCIAL_PROVIDERS, type SocialProvider } from "@/lib/social";

// The state and PKCE verifier bind a sign-in to the browser that started it (RFC 7636,
// RFC 9700 §2.1). They travel in an HttpOnly cookie, not in a server table: the
// cookie is deleted by every callback and the code is single use at the provider, so a
// replayed callback finds nothing to match. The expiry is inside the value as well as
// in Max-Age, because a cookie's lifetime is the browser's word, not ours.

export const OAUTH_STATE_TTL_SECONDS = 600;

export type OAuthIntent = "login" | "link";

export type OAuthState = {
  provider: SocialProvider;
  state: string;
  codeVerifier: string;
  next: string;
  intent: OAuthIntent;
  /**
   * For `link`: the session that asked. The callback links only for that same session,
   * so a state cookie planted from the attacker's own flow cannot link the attacker's
   * provider account to someone else's Gatehouse account.
   */
  sessionId: string | null;
  expiresAt: number;
};

const StoredStateSchema = z.object({
  provider: z.enum(SOCIAL_PROVIDERS),
  state: z.string().min(1).max(256),
  codeVerifier: z.string().min(43).max(128),
  next: z.string().max(2048),
  intent: z.enum(["login", "link"]),
  sessionId: z.string().max(256).nullable(),
  expiresAt: z.number().int(),
});

/** A fresh state and verifier for one sign-in, and the cookie value that carries them. */
export function createOAuthState(input: {
  provider: SocialProvider;
  next: string | null;
  intent: OAuthIntent;
  sessionId: string | null;
  now?: number;
}): { value: OAuthState; cookie: string } {
  const value: OAuthState = {
    provider: input.provider,
    // 32 random bytes each, base64url (docs/security.md, OAuth).
    state: generateState(),
    codeVerifier: generateCodeVerifier(),
    next: safeNextPath(input.next),
    intent: input.intent,
    sessionId: input.sessionId,
    expiresAt: (input.now ?? Date.now()) + OAUTH_STATE_TTL_SECONDS * 1000,
  };
  return { value, cookie: Buffer.from(JSON.stringify(value)).toString("base64url") };
}

export type StateCheck =
  | { ok: true; value: OAuthState }
  | { ok: false; reason: "state_mismatch" | "expired"; intent: OAuthIntent };

/**
 * Match the callback's `state` to the cookie. A missing or unreadable cookie is a
 * mismatch (a replay, another browser, a forged link); `expired` is only said when the
 * cookie is ours and its own expiry has passed.
 */
export function checkOAuthState(input: {
  cookie: string | null;
  provider: SocialProvider;
  state: string | null;
  now?: number;
}): StateCheck {
  const stored = decodeStateCookie(input.cookie);
  if (!stored) return { ok: false, reason: "state_mismatch", intent: "login" };
  const { intent } = stored;
  if (stored.expiresAt <= (input.now ?? Date.now())) return { ok: false, reason: "expired", intent };
  if (stored.provider !== input.provider || !input.state || !constantTimeEqual(stored.state, input.state)) {
    return { ok: false, reason: "state_mismatch", intent };
  }
  return { ok: true, value: { ...stored, next: safeNextPath(stored.next) } };
}

/** The intent a cookie was made for, whatever else is wrong with it (to pick the error page). */
export function readOAuthIntent(cookie: string | null): OAuthIntent {
  return decodeStateCookie(cookie)?.intent ?? "login";
}

function decodeStateCookie(cookie: string | null): OAuthState | null {
  if (!cookie || cookie.length > 4096) return null;
  try {
    const parsed = StoredStateSchema.safeParse(JSON.parse(Buffer.from(cookie, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
