import type { ReactNode } from "react";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { enabledProviders } from "@/lib/auth/oauth/providers";
import { socialErrorMessage } from "@/lib/social";
import { AccountSection } from "./account-section";
import { ActivitySection } from "./activity-section";
import { SecuritySection } from "./security-section";
import { SessionsSection } from "./sessions-section";

// The profile's sections (docs/decisions/035), each at its own URL: /profile/ and
// /profile/<slug>/. A new one is its component's file and one entry here; the navigation,
// the page title and the route follow from the entry.

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
  section({
    slug: "activity",
    label: "Activity",
    title: "Security activity",
    render: (query) => <ActivitySection before={firstParam(query.before)} after={firstParam(query.after)} />,
  }),
];

export const findSection = (slug: string): ProfileSection | undefined => PROFILE_SECTIONS.find((s) => s.slug === slug);
