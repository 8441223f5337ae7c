import { connection } from "next/server";
import type { ReactNode } from "react";
import { ProfileShell } from "./profile-shell";
import { offeredSections } from "./sections";

// No title of its own: each section's page has one, under the root layout's template.
/** Every section of the profile: one frame, one navigation, one check that someone is signed in. */
export default async function ProfileLayout({ children }: { children: ReactNode }) {
  // Which sections are offered is configuration (sections.tsx), read at request time.
  await connection();
  return <ProfileShell nav={offeredSections().map(({ href, label }) => ({ href, label }))}>{children}</ProfileShell>;
}
