import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { UserDetail } from "./user-detail";

export const metadata: Metadata = { title: "Administration: an account" };

export default async function AdminUserPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^[1-9]\d{0,14}$/.test(id)) notFound();
  return <UserDetail id={Number(id)} />;
}
