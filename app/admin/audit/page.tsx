import type { Metadata } from "next";
import { AuditList } from "./audit-list";

export const metadata: Metadata = { title: "Administration: audit" };

export default function AdminAuditPage() {
  return <AuditList />;
}
