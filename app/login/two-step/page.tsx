import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { safeNextPath } from "@/lib/safe-next";
import { TwoStepPanel } from "./two-step-panel";

export const metadata: Metadata = { title: "Two-step verification" };

/** Where social sign-in of a user with two-step verification lands (docs/api.md, social login). */
export default async function TwoStepPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  return (
    <CardPage>
      <TwoStepPanel next={safeNextPath(firstParam(params.next))} />
    </CardPage>
  );
}
