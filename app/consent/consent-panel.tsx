"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { AnnouncedHeading } from "@/app/_components/announced-heading";
import { useAppInfo } from "@/app/_components/app-info";
import { Loading, MessageNotice } from "@/app/_components/status";
import { callApi, problemMessage } from "@/lib/client/api";

type Question = { app: { client_id: string; name: string }; user: { username: string; email: string } | null; scopes: string[] };

/** What each scope lets the app see, in words. */
const SCOPE_WORDS: Record<string, string> = {
  profile: "your username",
  email: "your email address and whether it is verified",
  offline_access: "stay signed in to it while you are away",
};

export function ConsentPanel({ interaction }: { interaction: string | null }) {
  const { name: appName } = useAppInfo();
  const [question, setQuestion] = useState<Question | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<"allow" | "deny" | null>(null);
  const path = interaction ? `/api/auth/oidc/interaction/${interaction}/consent/` : null;

  useEffect(() => {
    if (!path) return setProblem("This link is incomplete. Go back to the app and sign in again.");
    void callApi<Question>(path).then((result) => {
      if (result.ok) return setQuestion(result.data);
      if (result.status === 401) return window.location.assign(`/login/?next=${encodeURIComponent(`/api/auth/oidc/interaction/${interaction}/`)}`);
      setProblem(problemMessage(result));
    });
  }, [path, interaction]);

  async function answer(decision: "allow" | "deny") {
    if (!path) return;
    setBusy(decision);
    setProblem(null);
    const result = await callApi<{ redirect_to: string }>(path, { method: "POST", body: { decision } });
    if (result.ok) return window.location.assign(result.data.redirect_to);
    setBusy(null);
    setProblem(problemMessage(result));
  }

  if (problem && !question) {
    return (
      <>
        <AnnouncedHeading>We could not continue</AnnouncedHeading>
        <MessageNotice tone="error" text={problem} />
        <p>
          <a href="/profile/">Go to your {appName} account</a>
        </p>
      </>
    );
  }
  if (!question) return <Loading>Loading the request…</Loading>;
  const sees = question.scopes.filter((scope) => scope !== "offline_access").map((scope) => SCOPE_WORDS[scope]).filter(Boolean);
  const offline = question.scopes.includes("offline_access");
  return (
    <>
      <AnnouncedHeading>
        Allow {question.app.name} to use your {appName} account?
      </AnnouncedHeading>
      {question.user ? (
        <p className="lead">
          Signed in as {question.user.username} ({question.user.email})
        </p>
      ) : null}
      <p>{question.app.name} will see:</p>
      <ul>
        <li>who you are on {appName} (an account number that stays the same)</li>
        {sees.map((words) => (
          <li key={words}>{words}</li>
        ))}
      </ul>
      {offline ? <p>It will also be able to {SCOPE_WORDS.offline_access}.</p> : null}
      <p className="muted">
        You can remove its access at any time under <Link href="/profile/apps/">Apps with access</Link> on your profile.
      </p>
      <MessageNotice tone="error" text={problem} />
      <div className="row">
        <button type="button" className="button" onClick={() => void answer("allow")} disabled={busy !== null}>
          {busy === "allow" ? "Allowing…" : "Allow"}
        </button>
        <button type="button" className="button button-secondary" onClick={() => void answer("deny")} disabled={busy !== null}>
          {busy === "deny" ? "Denying…" : "Deny"}
        </button>
      </div>
    </>
  );
}
