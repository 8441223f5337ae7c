"use client";

import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, WebAuthnAbortService } from "@simplewebauthn/browser";
import { useEffect, useRef, useState } from "react";
import { MessageNotice } from "@/app/_components/status";
import { callApi, problemMessage, type ApiFailure } from "@/lib/client/api";
import { getPasskeyAssertion, type Assertion } from "@/lib/client/passkey";
import { signIn } from "@/lib/client/session";

/**
 * "Sign in with a passkey", and the same offered in the email field's autofill where the
 * browser supports it (conditional UI). A passkey is both factors: no code follows.
 */
export function PasskeySignIn({ onAttempt }: { onAttempt: () => void }) {
  const [supported, setSupported] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const mounted = useRef(true);
  // The autofill request, one per page: React's development mode mounts every component
  // twice, and the second mount must not start a second ceremony (each a challenge, and
  // two assertions racing for one passkey's counter).
  const autofill = useRef<"idle" | "starting" | "running">("idle");

  async function finish(assertion: Assertion, fromAutofill: boolean) {
    if (!mounted.current) return;
    if (!assertion.ok) {
      // An autofill request ends quietly: the button replaced it, or the page is going.
      if (fromAutofill) return;
      setProblem(assertion.reason === "cancelled" ? "No passkey was used." : assertion.message);
      setBusy(false);
      return;
    }
    setBusy(true);
    onAttempt();
    const result = await callApi<{ access: string }>("/api/auth/passkeys/login/", { method: "POST", body: { response: assertion.response } });
    if (result.ok) return signIn(result.data.access);
    setBusy(false);
    setProblem(describe(result));
  }

  useEffect(() => {
    mounted.current = true;
    setSupported(browserSupportsWebAuthn());
    if (autofill.current === "idle") {
      autofill.current = "starting";
      void browserSupportsWebAuthnAutofill().then((available) => {
        if (!available || !mounted.current) {
          autofill.current = "idle";
          return;
        }
        autofill.current = "running";
        void getPasskeyAssertion({ autofill: true, stillWanted: () => mounted.current }).then((a) => {
          autofill.current = "idle";
          void finish(a, true);
        });
      });
    }
    return () => {
      mounted.current = false;
      // The form gave way (to the second step, or the next page): its pending autofill
      // request goes with it, so that it cannot answer a later prompt's passkey.
      if (autofill.current === "running") WebAuthnAbortService.cancelCeremony();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per page: the autofill request lives as long as the form
  }, []);

  async function withButton() {
    setProblem(null);
    setBusy(true);
    await finish(await getPasskeyAssertion(), false);
  }

  if (!supported) return null;
  return (
    <>
      <MessageNotice tone="error" text={problem} />
      <button type="button" className="button button-secondary button-block" onClick={() => void withButton()} disabled={busy}>
        {busy ? "Waiting for your passkey…" : "Sign in with a passkey"}
      </button>
    </>
  );
}

function describe(failure: ApiFailure): string {
  if (failure.data.code === "passkey_verification_failed") return "This passkey is not registered here, or could not be checked. Sign in another way.";
  if (failure.data.code === "invalid_challenge") return "That took too long. Try again.";
  return problemMessage(failure);
}
