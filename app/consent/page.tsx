import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { ConsentPanel } from "./consent-panel";

export const metadata: Metadata = { title: "Allow access" };

// An app that signs in through Gatehouse (OpenID Connect) asks to see some of the account:
// the person allows or denies (docs/oidc.md). The question and the answer go through the
// interaction's own API (/api/auth/oidc/interaction/<id>/consent/), which its cookie reaches.
export default async function ConsentPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const interaction = firstParam((await searchParams).interaction);
  return (
    <CardPage>
      <ConsentPanel interaction={interaction && /^[A-Za-z0-9_-]{1,64}$/.test(interaction) ? interaction : null} />
    </CardPage>
  );
}
