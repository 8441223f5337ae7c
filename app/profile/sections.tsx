import type { ReactNode } from "react";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { enabledProviders } from "@/lib/auth/oauth/providers";
import { activeClients } from "@/lib/oidc/clients";
import { socialErrorMessage } from "@/lib/social";
import { AccountSection } from "./account-section";
import { ActivitySection } from "./activity-section";
import { AppsSection } from "./apps-section";
import { SecuritySection } from "./security-section";
import { SessionsSection } from "./sessions-section";

// The profile's sections (docs/decisions/035), each at its own URL: /profile/ and
// /profile/<slug>/. A new one is its component's file and one entry here; the navigation,
// the page title and the route follow from the entry, in the order of this list.

export type ProfileSection = {
  /** "" for /profile/ itself. */
  slug: string;
  href: string;
  /** In the navigation. */
  label: string;
  /** The page's title (its heading is the section's own). */
  title: string;
  /** Server-side: what the section needs from the query or the configuration. */
  render: (query: SearchParams) => ReactNode;
  /**
   * Server-side, read at each request: whether this server offers the section at all.
   * Left out: always. When false it is neither in the navigation nor served (404).
   */
  offered?: () => boolean;
};

const section = (entry: Omit<ProfileSection, "href">): ProfileSection => ({
  ...entry,
  href: entry.slug ? `/profile/${entry.slug}/` : "/profile/",
});

export const PROFILE_SECTIONS: ProfileSection[] = [
  section({ slug: "", label: "Account", title: "Your account", render: () => <AccountSection /> }),
  section({
    slug: "security",
    label: "Security",
    title: "Sign-in and security",
    // Linking a provider that fails comes back as ?error=<code> (docs/api.md, social login).
    render: (query) => <SecuritySection providers={enabledProviders()} linkError={socialErrorMessage(firstParam(query.error))} />,
  }),
  section({ slug: "sessions", label: "Sessions", title: "Sessions", render: () => <SessionsSection /> }),
  // Only where apps sign in through this server (OIDC_CLIENTS, docs/oidc.md).
  section({ slug: "apps", label: "Apps", title: "Apps with access", render: () => <AppsSection />, offered: () => activeClients().length > 0 }),
  section({
    slug: "activity",
    label: "Activity",
    title: "Security activity",
    render: (query) => <ActivitySection before={firstParam(query.before)} after={firstParam(query.after)} />,
  }),
];

const isOffered = (entry: ProfileSection) => entry.offered?.() ?? true;

/** The sections this server offers now, in navigation order (read at request time). */
export const offeredSections = (): ProfileSection[] => PROFILE_SECTIONS.filter(isOffered);

/** The section at a slug, if this server offers it (read at request time). */
export function findSection(slug: string): ProfileSection | undefined {
  const found = PROFILE_SECTIONS.find((s) => s.slug === slug);
  return found && isOffered(found) ? found : undefined;
}

/** /profile/ itself: always offered, so known without the configuration. */
export const ACCOUNT_SECTION = PROFILE_SECTIONS[0]!;
