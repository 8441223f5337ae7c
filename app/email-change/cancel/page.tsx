import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { CancelEmailChange } from "./cancel-email-change";

// The token is in this page's URL: no Referer leaves it (proxy.ts sets the header too).
export const metadata: Metadata = { title: "Cancel a change of email address", referrer: "no-referrer" };

export default async function CancelEmailChangePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const token = firstParam((await searchParams).token);
  return (
    <CardPage>
      <CancelEmailChange token={token} />
    </CardPage>
  );
}
