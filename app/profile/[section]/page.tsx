import type { Metadata } from "next";
import { notFound } from "next/navigation";
import type { SearchParams } from "@/app/_components/search-params";
import { findSection } from "../sections";

type Props = { params: Promise<{ section: string }>; searchParams: Promise<SearchParams> };

// /profile/<slug>/: one of the sections of ../sections.tsx (the account is /profile/ itself).
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = findSection((await params).section);
  if (!found?.slug) notFound();
  return { title: found.title };
}

export default async function ProfileSectionPage({ params, searchParams }: Props) {
  const found = findSection((await params).section);
  if (!found?.slug) notFound();
  return found.render(await searchParams);
}
