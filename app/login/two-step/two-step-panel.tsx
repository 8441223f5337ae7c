"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { goToNext } from "../go-next";
import { useEffect, useState } from "react";
import { Loading } from "@/app/_components/status";
import { useSession } from "@/lib/client/use-session";
import { SecondStepForm, type SecondStep } from "../second-step-form";

/**
 * The mfa token arrives in the fragment (never sent to a server, never in a Referer);
 * it is read once and dropped from the address bar, so a reload or a shared link holds
 * nothing.
 */
function takeStepFromFragment(): SecondStep | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const mfaToken = fragment.get("mfa_token");
  if (window.location.hash) window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return mfaToken ? { mfaToken, methods: (fragment.get("methods") ?? "totp").split(",") } : null;
}

export function TwoStepPanel({ next }: { next: string }) {
  const status = useSession();
  const router = useRouter();
  const [step, setStep] = useState<SecondStep | null | undefined>(undefined);

  useEffect(() => setStep(takeStepFromFragment()), []);
  useEffect(() => {
    if (status === "signed-in") goToNext(router, next);
  }, [status, next, router]);

  if (status === "signed-in") return <Loading>Signing you in…</Loading>;
  if (step === undefined) return <Loading>Loading…</Loading>;
  if (step === null) {
    return (
      <>
        <h1>Two-step verification</h1>
        <p className="lead">This sign-in has expired or was already used.</p>
        <p>
          <Link href={`/login/?next=${encodeURIComponent(next)}`}>Sign in again</Link>
        </p>
      </>
    );
  }
  return <SecondStepForm step={step} />;
}
