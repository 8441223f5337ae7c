import type { ReactNode } from "react";
import { ProfileShell } from "./profile-shell";
import { PROFILE_SECTIONS } from "./sections";

// No title of its own: each section's page has one, under the root layout's template.
/** Every section of the profile: one frame, one navigation, one check that someone is signed in. */
export default function ProfileLayout({ children }: { children: ReactNode }) {
  return <ProfileShell nav={PROFILE_SECTIONS.map(({ href, label }) => ({ href, label }))}>{children}</ProfileShell>;
}
