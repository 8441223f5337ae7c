"use client";

import { useState, type ReactNode } from "react";
import { needsReauthentication, Reauthenticate } from "@/app/profile/reauthenticate";
import type { ApiResult } from "@/lib/client/api";
import { callWithSession } from "@/lib/client/session";

type Methods = { hasPassword: boolean; hasTotp: boolean; hasPasskey: boolean };
type MfaStatusBody = { password?: unknown; totp?: unknown; passkeys?: unknown };

/**
 * For a change that needs a recent sign-in (docs/api.md; 403 `reauthentication_required`):
 * `send(call)` makes the call, and when the API asks, shows "Confirm it is you" (`prompt`,
 * to be rendered where the action is) and makes the call again once confirmed. Resolves
 * to the final answer, or null when the person cancelled.
 */
export function useRecentSignIn(
  purpose: string,
  /** `secondFactor`: only a code or a passkey will do (the administration: docs/decisions/053), so no password is asked. */
  options: { secondFactor?: boolean } = {},
): {
  send: <T>(call: () => Promise<ApiResult<T>>) => Promise<ApiResult<T> | null>;
  prompt: ReactNode;
} {
  const [asking, setAsking] = useState<{ methods: Methods; answer: (confirmed: boolean) => void } | null>(null);

  async function send<T>(call: () => Promise<ApiResult<T>>): Promise<ApiResult<T> | null> {
    let result = await call();
    // Twice at most: a confirmation that the API still finds too weak is said as it is.
    for (let round = 0; round < 2 && needsReauthentication(result); round++) {
      const status = await callWithSession<MfaStatusBody>("/api/auth/mfa/");
      if (!status.ok) return result;
      const methods = {
        hasPassword: status.data.password === true && !options.secondFactor,
        hasTotp: status.data.totp === true,
        hasPasskey: Array.isArray(status.data.passkeys) && status.data.passkeys.length > 0,
      };
      const confirmed = await new Promise<boolean>((answer) => setAsking({ methods, answer }));
      setAsking(null);
      if (!confirmed) return null;
      result = await call();
    }
    return result;
  }

  const prompt = asking ? (
    <Reauthenticate
      purpose={purpose}
      {...asking.methods}
      onConfirmed={() => asking.answer(true)}
      onCancel={() => asking.answer(false)}
    />
  ) : null;
  return { send, prompt };
}
