import type { ReactNode } from "react";
import { AdminShell } from "./admin-shell";

// Every page under /admin/ is inside the shell: signed in, and allowed by the API.
export default function AdminLayout({ children }: { children: ReactNode }) {
  return <AdminShell>{children}</AdminShell>;
}
