"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { SessionUnavailable } from "@/app/_components/session-unavailable";
import { Loading, MessageNotice } from "@/app/_components/status";
import { useSession, useSignOutReason } from "@/lib/client/use-session";
import { PROVIDER_LABELS, type SocialProvider } from "@/lib/social";
import { ConfirmAgain } from "./confirm-again";
import { goToNext } from "./go-next";
import { LoginForm } from "./login-form";
import { PasskeySignIn } from "./passkey-sign-in";
import { SecondStepForm, type SecondStep } from "./second-step-form";

type Props = {
  /** Already checked by safeNextPath on the server. */
  next: string;
  socialError: string | null;
  providers: SocialProvider[];
  /** An app signing in through Gatehouse asked for a fresh sign-in (prompt=login). */
  reauth?: boolean;
  /** That app's name, when an app sent the visitor here. */
  app?: string | null;
};

/** Why this tab is on the login page when it was signed in a moment ago (lib/client/session.ts). */
const SIGNED_OUT = {
  logout: "You are logged out.",
  ended: "You were signed out: your session was ended from another device, or it expired. Sign in again to continue.",
  none: null,
} as const;

export function LoginPanel({ next, socialError, providers, reauth = false, app = null }: Props) {
  const status = useSession();
  const signedOut = useSignOutReason();
  const router = useRouter();
  // A new attempt with the password makes the social-login error old news.
  const [showSocialError, setShowSocialError] = useState(true);
  // The password was right and a second factor is on: the code is asked in place.
  const [secondStep, setSecondStep] = useState<SecondStep | null>(null);

  // Signed in already (restored from the cookie, or just now): on to where they meant to go.
  useEffect(() => {
    if (status === "signed-in" && !reauth) goToNext(router, next);
  }, [status, next, router, reauth]);

  if (status === "loading") return <Loading>Checking whether you are signed in…</Loading>;
  if (status === "signed-in" && reauth) return <ConfirmAgain next={next} app={app} />;
  if (status === "signed-in") return <Loading>Signing you in…</Loading>;
  if (secondStep) return <SecondStepForm step={secondStep} />;

  return (
    <>
      <h1>Sign in</h1>
      {app ? <p className="lead">to continue to {app}</p> : null}
      <p className="lead">
        New here? <Link href="/register/">Create an account</Link>
      </p>
      {status === "unavailable" ? <SessionUnavailable /> : null}
      <MessageNotice tone="info" text={showSocialError ? SIGNED_OUT[signedOut ?? "none"] : null} />
      <MessageNotice tone="error" text={showSocialError ? socialError : null} />
      <LoginForm onAttempt={() => setShowSocialError(false)} onSecondStep={setSecondStep} />
      <p className="divider">or</p>
      <div className="stack">
        <PasskeySignIn onAttempt={() => setShowSocialError(false)} />
        {providers.map((provider) => (
          // A plain link: the API answers with a redirect to the provider.
          <a
            key={provider}
            className="button button-secondary button-block"
            href={`/api/auth/social/${provider}/?next=${encodeURIComponent(next)}`}
          >
            Continue with {PROVIDER_LABELS[provider]}
          </a>
        ))}
      </div>
    </>
  );
}
