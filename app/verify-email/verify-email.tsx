"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { ResendVerification } from "@/app/_components/resend-verification";
import { ResultScreen } from "@/app/_components/result-screen";
import { Loading } from "@/app/_components/status";
import { callApi } from "@/lib/client/api";
import type { SessionStatus } from "@/lib/client/session";
import { useSession } from "@/lib/client/use-session";

type Outcome = "verified" | "invalid" | "unreachable";

// Verification tokens work once. React runs effects twice in development (strict mode)
// and a remount would run them again, so each token is sent at most once per page load;
// later callers get the same answer.
const attempts = new Map<string, Promise<Outcome>>();

function verifyOnce(token: string): Promise<Outcome> {
  let attempt = attempts.get(token);
  if (!attempt) {
    attempt = callApi(`/api/auth/verify-email/?token=${encodeURIComponent(token)}`).then((result) =>
      result.ok ? "verified" : result.status === 400 ? "invalid" : "unreachable",
    );
    attempts.set(token, attempt);
  }
  return attempt;
}

export function VerifyEmail({ token }: { token: string | null }) {
  // Restored alongside the verification, to offer the right way on afterwards.
  const session = useSession();
  const [outcome, setOutcome] = useState<Outcome | null>(token ? null : "invalid");
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (!token) return;
    let current = true;
    void verifyOnce(token).then((result) => {
      if (current) setOutcome(result);
    });
    return () => {
      current = false;
    };
  }, [token, round]);

  function retry() {
    // No answer came back, so the token may be unused: one more try is safe.
    if (token) attempts.delete(token);
    setOutcome(null);
    setRound((r) => r + 1);
  }

  if (outcome === null) return <Loading>Verifying your email address…</Loading>;
  if (outcome === "verified") return <Verified session={session} />;
  if (outcome === "unreachable") {
    return (
      <ResultScreen title="We could not verify your email yet">
        <p>Gatehouse did not answer. Check your connection, then try again.</p>
        <button type="button" className="button" onClick={retry}>
          Try again
        </button>
      </ResultScreen>
    );
  }
  return (
    <ResultScreen title="This link does not work">
      <p>
        The verification link is invalid or has expired. Each link works once and only for a limited time. Enter your
        email address and we will send you a new one.
      </p>
      <ResendVerification />
    </ResultScreen>
  );
}

function Verified({ session }: { session: SessionStatus }) {
  return (
    <ResultScreen title="Your email is verified">
      <p>Thank you. Your email address is confirmed.</p>
      {session === "loading" ? null : session === "signed-in" ? (
        <Link href="/profile/" className="button">
          Go to your profile
        </Link>
      ) : (
        <Link href="/login/" className="button">
          Sign in
        </Link>
      )}
    </ResultScreen>
  );
}
