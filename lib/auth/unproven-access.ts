import "server-only";
import { eq } from "drizzle-orm";
import type { Queryable } from "@/lib/db";
import { passkeys, recoveryCodes, socialAccounts, totpCredentials } from "@/db/schema";
import { consumeVerificationTokens } from "./email-verification";

// When the owner of an address proves it (a claim or reset link, or a provider that
// vouches for it) on an account that was never verified, whoever held the account
// before may have left a way back in: a provider, a passkey (which signs in alone), a
// TOTP secret or recovery codes, and verification links that would confirm their
// password. None survives the proof (docs/security.md, account ownership; decisions 009
// and 011). The routes refuse to add these to an unverified account; this clears any
// that exist anyway (made before that rule, or by a path that forgot it).

/** Remove every sign-in method of an unverified account but the proof itself. Call inside its transaction. */
export async function removeUnprovenAccess(tx: Queryable, userId: number, now: number | Date): Promise<{ removed: number }> {
  const providers = await tx.delete(socialAccounts).where(eq(socialAccounts.userId, userId)).returning({ id: socialAccounts.id });
  const keys = await tx.delete(passkeys).where(eq(passkeys.userId, userId)).returning({ id: passkeys.id });
  await tx.delete(totpCredentials).where(eq(totpCredentials.userId, userId));
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await consumeVerificationTokens(tx, userId, now);
  return { removed: providers.length + keys.length };
}
