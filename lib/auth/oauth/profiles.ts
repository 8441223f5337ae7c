import "server-only";
import { z } from "zod";
import { log } from "@/lib/log";
import { EMAIL_MAX_LENGTH, normalizeEmail } from "@/lib/validation";
import { fetchUpstreamJson } from "./upstream";

// What the linking rules need to know about a provider account, read from each
// provider's own API and checked with zod: a response of a surprising shape is a
// failed sign-in, not a crash and not a half-read profile.

export type SocialProfile = {
  providerUserId: string;
  /** Normalised like a registered address; null when the provider gave none (or nonsense). */
  email: string | null;
  /** Only the provider's explicit word counts (docs/security.md, OAuth). */
  emailVerified: boolean;
  displayName: string | null;
  avatarUrl: string | null;
  /** What a new user's username is derived from: GitHub's login, Google's name. */
  usernameHint: string | null;
};

export type ProfileResult = { ok: true; profile: SocialProfile } | { ok: false };

const GoogleUserinfoSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().optional(),
  // OpenID says boolean; some Google endpoints have sent the string form.
  email_verified: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).optional(),
  name: z.string().optional(),
  picture: z.string().optional(),
});

const GitHubUserSchema = z.object({
  id: z.number().int().positive(),
  login: z.string().min(1).max(255),
  name: z.string().nullish(),
  avatar_url: z.string().nullish(),
});

const GitHubEmailsSchema = z
  .array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }))
  .max(1000);

const ValidEmail = z.email().max(EMAIL_MAX_LENGTH);

/** A provider's address in the form the users table keeps, or null if it is not one. */
function toEmail(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const parsed = ValidEmail.safeParse(raw.trim());
  return parsed.success ? normalizeEmail(parsed.data) : null;
}

const toHttpUrl = (raw: string | null | undefined): string | null => (raw && /^https?:\/\//i.test(raw) ? raw : null);

const text = (raw: string | null | undefined): string | null => raw?.trim().slice(0, 255) || null;

function unexpectedShape(provider: string, endpoint: string): ProfileResult {
  log.warn("oauth profile has an unexpected shape", { provider, endpoint });
  return { ok: false };
}

/** Google: the OpenID Connect userinfo endpoint. */
export async function fetchGoogleProfile(input: { userinfoEndpoint: string; accessToken: string }): Promise<ProfileResult> {
  const response = await fetchUpstreamJson({ provider: "google", url: input.userinfoEndpoint, accessToken: input.accessToken });
  if (!response.ok) return response;
  const parsed = GoogleUserinfoSchema.safeParse(response.data);
  if (!parsed.success) return unexpectedShape("google", "userinfo");

  const info = parsed.data;
  const email = toEmail(info.email);
  return {
    ok: true,
    profile: {
      providerUserId: info.sub,
      email,
      emailVerified: email !== null && info.email_verified === true,
      displayName: text(info.name),
      avatarUrl: toHttpUrl(info.picture),
      usernameHint: text(info.name) ?? email?.split("@")[0] ?? null,
    },
  };
}

/** GitHub: `/user` for who, `/user/emails` for the primary address and whether it is verified. */
export async function fetchGitHubProfile(input: { apiBase: string; accessToken: string }): Promise<ProfileResult> {
  const headers = { Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" };
  const [userResponse, emailsResponse] = await Promise.all([
    fetchUpstreamJson({ provider: "github", url: `${input.apiBase}/user`, accessToken: input.accessToken, headers }),
    fetchUpstreamJson({ provider: "github", url: `${input.apiBase}/user/emails`, accessToken: input.accessToken, headers }),
  ]);
  if (!userResponse.ok || !emailsResponse.ok) return { ok: false };
  const user = GitHubUserSchema.safeParse(userResponse.data);
  if (!user.success) return unexpectedShape("github", "user");
  const emails = GitHubEmailsSchema.safeParse(emailsResponse.data);
  if (!emails.success) return unexpectedShape("github", "user/emails");

  const primary = emails.data.find((entry) => entry.primary);
  const email = toEmail(primary?.email);
  return {
    ok: true,
    profile: {
      providerUserId: String(user.data.id),
      email,
      emailVerified: email !== null && primary?.verified === true,
      displayName: text(user.data.name),
      avatarUrl: toHttpUrl(user.data.avatar_url),
      usernameHint: user.data.login,
    },
  };
}
