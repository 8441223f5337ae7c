import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { ACCOUNT_SECTION as account } from "./sections";

export const metadata: Metadata = { title: account.title };

export default async function ProfilePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = await searchParams;
  // A failed link of a provider comes back to /profile/?error=<code> (docs/api.md): it is
  // explained where providers are linked.
  const error = firstParam(query.error);
  if (error) redirect(`/profile/security/?error=${encodeURIComponent(error)}`);
  return account.render(query);
}
