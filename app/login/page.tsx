import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { enabledProviders } from "@/lib/auth/oauth/providers";
import { safeNextPath } from "@/lib/safe-next";
import { socialErrorMessage } from "@/lib/social";
import { LoginPanel } from "./login-panel";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  return (
    <CardPage>
      <LoginPanel
        next={safeNextPath(firstParam(params.next))}
        socialError={socialErrorMessage(firstParam(params.error))}
        providers={enabledProviders()}
      />
    </CardPage>
  );
}
