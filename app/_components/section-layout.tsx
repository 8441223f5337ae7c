import Link from "next/link";
import type { ReactNode } from "react";

export type SectionLink = { href: string; label: string };

/**
 * The frame of the signed-in pages made of sections (the profile, the administration):
 * the sections' navigation beside the page on a desktop, chips above it on a phone
 * (app/globals.css, `.profile-layout`), and the page in one card. `current` is the
 * section the page belongs to (a user's page belongs to the list it came from).
 */
export function SectionLayout({ label, links, current, children }: { label: string; links: readonly SectionLink[]; current: string | undefined; children: ReactNode }) {
  return (
    <main className="site-main">
      <div className="profile-layout">
        <nav className="profile-nav" aria-label={label}>
          <ul>
            {links.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={current === item.href ? "page" : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="card profile-card">{children}</div>
      </div>
    </main>
  );
}
