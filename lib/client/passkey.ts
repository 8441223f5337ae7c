import { startAuthentication, type AuthenticationResponseJSON, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { callApi, problemMessage } from "./api";

// Asking the device for a passkey assertion (docs/api.md, passkeys): fresh options from
// the server, then the browser's prompt, or with `autofill` the passkeys offered in the
// email field's autofill (conditional UI) until the person picks one. Used to sign in,
// for the second step after a password, and to confirm it is you on the profile.

export type Assertion =
  | { ok: true; response: AuthenticationResponseJSON }
  | { ok: false; reason: "cancelled" }
  | { ok: false; reason: "failed"; message: string };

export async function getPasskeyAssertion(options: { autofill?: boolean; stillWanted?: () => boolean } = {}): Promise<Assertion> {
  const requestOptions = await callApi<PublicKeyCredentialRequestOptionsJSON>("/api/auth/passkeys/login/options/", { method: "POST" });
  if (!requestOptions.ok) return { ok: false, reason: "failed", message: problemMessage(requestOptions) };
  // The form that asked went away while the options were on their way: no prompt for it.
  if (options.stillWanted && !options.stillWanted()) return { ok: false, reason: "cancelled" };
  try {
    const response = await startAuthentication({ optionsJSON: requestOptions.data, useBrowserAutofill: options.autofill ?? false });
    return { ok: true, response };
  } catch (error) {
    // Dismissed at the prompt, timed out, or an autofill request replaced by a button press.
    const name = error instanceof Error ? error.name : "";
    if (name === "NotAllowedError" || name === "AbortError") return { ok: false, reason: "cancelled" };
    return { ok: false, reason: "failed", message: "Your device could not use a passkey. Try again, or sign in another way." };
  }
}
