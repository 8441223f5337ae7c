import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { VerifyEmail } from "./verify-email";

// The token is in this page's URL: no Referer leaves it (proxy.ts sets the header too).
export const metadata: Metadata = { title: "Verify your email", referrer: "no-referrer" };

export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const token = firstParam((await searchParams).token);
  return (
    <CardPage>
      <VerifyEmail token={token} />
    </CardPage>
  );
}
