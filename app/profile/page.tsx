import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { enabledProviders } from "@/lib/auth/oauth/providers";
import { socialErrorMessage } from "@/lib/social";
import { ProfileView } from "./profile-view";

export const metadata: Metadata = { title: "Your profile" };

export default async function ProfilePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  // Linking a provider that fails comes back here as ?error=<code> (docs/api.md, social login).
  const linkError = socialErrorMessage(firstParam((await searchParams).error));
  return (
    <CardPage wide>
      <ProfileView providers={enabledProviders()} linkError={linkError} />
    </CardPage>
  );
}
