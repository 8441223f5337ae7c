import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { ResetPassword } from "./reset-password";

// The reset token is in this page's URL: no Referer leaves it (proxy.ts sets the header
// too), and the page loads nothing from another origin.
export const metadata: Metadata = { title: "Reset your password", referrer: "no-referrer" };

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const token = firstParam((await searchParams).token);
  return (
    <CardPage>
      <ResetPassword token={token} />
    </CardPage>
  );
}
