import type { ReactNode } from "react";

/** The frame of a page that is one card: the standard width, or `wide` for the profile. */
export function CardPage({ wide = false, children }: { wide?: boolean; children: ReactNode }) {
  return (
    <main className="site-main">
      <div className={wide ? "card card-wide" : "card"}>{children}</div>
    </main>
  );
}
