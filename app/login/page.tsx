import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { enabledProviders } from "@/lib/auth/oauth/providers";
import { activeClients } from "@/lib/oidc/clients";
import { safeNextPath } from "@/lib/safe-next";
import { socialErrorMessage } from "@/lib/social";
import { LoginPanel } from "./login-panel";

/** The name of the app that sent the visitor here (OpenID Connect), only if it is a configured one. */
function appName(clientName: string | null | undefined): string | null {
  if (!clientName) return null;
  return activeClients().some((client) => (client.name ?? client.client_id) === clientName) ? clientName : null;
}

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  return (
    <CardPage>
      <LoginPanel
        next={safeNextPath(firstParam(params.next))}
        socialError={socialErrorMessage(firstParam(params.error))}
        providers={enabledProviders()}
        reauth={firstParam(params.prompt) === "login"}
        app={appName(firstParam(params.app))}
      />
    </CardPage>
  );
}
