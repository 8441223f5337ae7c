import type { Metadata, Viewport } from "next";
import Link from "next/link";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Gatehouse", template: "%s · Gatehouse" },
  description: "Sign in to Gatehouse",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page carries a fresh CSP nonce (proxy.ts), which Next can only stamp on its
  // scripts at request time: no page may be prerendered.
  await connection();
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <div className="site-header-inner">
            <Link href="/" className="brand">
              <span className="brand-mark" aria-hidden="true">
                ◆
              </span>
              Gatehouse
            </Link>
          </div>
        </header>
        {/* Each page brings its own <main> (the development mailbox has one too). */}
        {children}
      </body>
    </html>
  );
}
