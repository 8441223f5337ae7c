"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { SessionUnavailable } from "@/app/_components/session-unavailable";
import { Loading } from "@/app/_components/status";
import { useSession } from "@/lib/client/use-session";

/** The start page's way on: signed-in visitors go straight to their profile. */
export function Landing() {
  const status = useSession();
  const router = useRouter();

  useEffect(() => {
    if (status === "signed-in") router.replace("/profile/");
  }, [status, router]);

  if (status === "loading") return <Loading>Checking whether you are signed in…</Loading>;
  if (status === "signed-in") return <Loading>Opening your profile…</Loading>;
  return (
    <>
      {status === "unavailable" ? <SessionUnavailable /> : null}
      <div className="row landing-actions">
        <Link href="/login/" className="button">
          Sign in
        </Link>
        <Link href="/register/" className="button button-secondary">
          Create an account
        </Link>
      </div>
    </>
  );
}
