"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, type ReactNode } from "react";
import { SectionLayout } from "@/app/_components/section-layout";
import { SessionUnavailable } from "@/app/_components/session-unavailable";
import { Loading, RetryNotice } from "@/app/_components/status";
import { useAccount, type Profile } from "@/lib/client/account";
import { useSession } from "@/lib/client/use-session";

export type { Profile };

/**
 * The frame of every profile section (docs/decisions/035): the section navigation, and
 * the section itself once the session and the profile (GET /api/auth/me/) are there. A
 * visitor who is not signed in goes to the login page and comes back to the same section.
 */
export function ProfileShell({ nav, children }: { nav: { href: string; label: string }[]; children: ReactNode }) {
  const status = useSession();
  const { account, reload } = useAccount();
  const router = useRouter();
  const pathname = usePathname();

  // Shown at once from what is known, then asked again: the profile may have changed on
  // another page meanwhile (an address verified from the emailed link).
  useEffect(() => {
    if (status === "signed-in") void reload();
  }, [status, pathname, reload]);

  useEffect(() => {
    // Slashes kept as they are (readable, and safe in a query value): /login/?next=/profile/sessions/
    if (status === "signed-out") router.replace(`/login/?next=${encodeURIComponent(pathname).replace(/%2F/g, "/")}`);
  }, [status, router, pathname]);

  let body: ReactNode;
  if (status === "unavailable") body = <SessionUnavailable />;
  else if (status !== "signed-in" || account.state === "loading") body = <Loading>Loading your profile…</Loading>;
  else if (account.state === "failed") {
    body = <RetryNotice onRetry={() => void reload()}>We could not load your profile. {account.message}</RetryNotice>;
  } else body = children;

  return (
    <SectionLayout label="Your profile" links={nav} current={pathname}>
      {body}
    </SectionLayout>
  );
}

/** The signed-in user's profile, inside a section: ProfileShell renders sections only once it is loaded. */
export function useProfile(): Profile {
  const { account } = useAccount();
  if (account.state !== "ready") throw new Error("a profile section rendered before its profile was loaded");
  return account.profile;
}
