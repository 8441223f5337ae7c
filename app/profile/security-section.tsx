"use client";

import { MessageNotice } from "@/app/_components/status";
import { reloadAccount } from "@/lib/client/account";
import type { SocialProvider } from "@/lib/social";
import { LinkedProviders } from "./linked-providers";
import { PasswordSection } from "./password-section";
import { useProfile } from "./profile-shell";
import { SecuritySettings } from "./security-settings";

/** /profile/security/: every way to sign in (password, two-step, passkeys, providers). */
export function SecuritySection({ providers, linkError }: { providers: SocialProvider[]; linkError: string | null }) {
  const profile = useProfile();
  // Providers appear when this server offers one, or one is still linked; otherwise the
  // section says nothing of them (an end user has no use for the server's configuration).
  const showProviders = providers.length > 0 || profile.providers.length > 0;
  return (
    <div className="stack">
      <h1>Sign-in and security</h1>
      <MessageNotice tone="error" text={linkError} />
      <PasswordSection username={profile.email} hasProviders={profile.providers.length > 0} />
      <SecuritySettings account={profile.email} emailVerified={profile.email_verified} />
      {showProviders ? <LinkedProviders enabled={providers} linked={profile.providers} emailVerified={profile.email_verified} onChange={reloadAccount} /> : null}
    </div>
  );
}
