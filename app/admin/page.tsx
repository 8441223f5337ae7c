import type { Metadata } from "next";
import { firstParam, type SearchParams } from "@/app/_components/search-params";
import { UserList } from "./user-list";

export const metadata: Metadata = { title: "Administration: users" };

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const query = await searchParams;
  const page = Number(firstParam(query.page) ?? "1");
  return <UserList initialQuery={firstParam(query.q) ?? ""} initialPage={Number.isInteger(page) && page > 0 ? page : 1} />;
}
