import type { ReactNode } from "react";
import { AnnouncedHeading } from "./announced-heading";

/**
 * A screen that replaced a form or a wait in place ("Check your email", "This link does
 * not work"): its heading takes focus so the change is announced, the rest follows.
 */
export function ResultScreen({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="stack">
      <AnnouncedHeading>{title}</AnnouncedHeading>
      {children}
    </div>
  );
}
