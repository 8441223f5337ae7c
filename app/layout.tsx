import type { Metadata, Viewport } from "next";
import Link from "next/link";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { AccountMenu } from "@/app/_components/account-menu";
import { AppInfoProvider } from "@/app/_components/app-info";
import { isMailboxEnabled } from "@/lib/email/mailbox";
import { getEnv } from "@/lib/env";
import "./globals.css";

// The service is named as its operator calls it (APP_NAME): page titles, the header.
export async function generateMetadata(): Promise<Metadata> {
  await connection();
  const name = getEnv().APP_NAME;
  return { title: { default: name, template: `%s · ${name}` }, description: `Sign in to ${name}` };
}

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page carries a fresh CSP nonce (proxy.ts), which Next can only stamp on its
  // scripts at request time: no page may be prerendered.
  await connection();
  const appInfo = { name: getEnv().APP_NAME, devMailbox: isMailboxEnabled() };
  return (
    <html lang="en">
      <body>
        <AppInfoProvider value={appInfo}>
          <header className="site-header">
            <div className="site-header-inner">
              <Link href="/" className="brand">
                <span className="brand-mark" aria-hidden="true">
                  ◆
                </span>
                {appInfo.name}
              </Link>
              <AccountMenu />
            </div>
          </header>
          {/* Each page brings its own <main> (the development mailbox has one too). */}
          {children}
        </AppInfoProvider>
      </body>
    </html>
  );
}
