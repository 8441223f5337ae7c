import type { Metadata } from "next";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { enabledProviders } from "@/lib/auth/oauth/providers";
import { safeNextPath } from "@/lib/safe-next";
import { socialErrorMessage } from "@/lib/social";
import { LoginPanel } from "./login-panel";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  return (
    <main className="site-main">
      <div className="card">
        <LoginPanel
          next={safeNextPath(firstParam(params.next))}
          socialError={socialErrorMessage(firstParam(params.error))}
          providers={enabledProviders()}
        />
      </div>
    </main>
  );
}
