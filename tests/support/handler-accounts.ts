import { eq } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { passkeys, sessions, totpCredentials, users } from "@/db/schema";
import { startSession } from "@/lib/auth/session";
import { createUser, getUserRow } from "../unit/helpers";

// Accounts with a session for the handler tests (tests/handlers/): a user row written as
// the app writes it, and a session started by startSession as completeSignIn starts one
// (with what proved its second factor, for administrators, whose account then holds that
// factor), with its access token.

export type SignedIn = Awaited<ReturnType<typeof signedIn>>;

export async function signedIn(
  input: { admin?: boolean; secondFactor?: "totp" | "recovery_code" | "passkey"; email?: string; username?: string; password?: string | null; emailVerified?: boolean } = {},
) {
  const created = await createUser({ email: input.email, username: input.username, password: input.password, emailVerified: input.emailVerified ?? true });
  if (input.admin) await getDb().update(users).set({ role: "admin" }).where(eq(users.id, created.id));
  // An administrator's account must still hold the second factor its session was opened
  // with (lib/admin/access.ts): a code's TOTP (confirmed), or a passkey.
  if (input.admin && (input.secondFactor === "totp" || input.secondFactor === "recovery_code")) {
    await getDb().insert(totpCredentials).values({ userId: created.id, encryptedSecret: "v1.handler-test-not-a-secret", confirmedAt: new Date() });
  }
  if (input.admin && input.secondFactor === "passkey") {
    await getDb().insert(passkeys).values({ id: `pk-admin-${created.id}`, userId: created.id, credentialId: `cred-admin-${created.id}`, publicKey: "key", deviceType: "singleDevice", userHandle: `handle-${created.id}`, name: "Admin key" });
  }
  const user = await getUserRow(created.id);
  const grant = await startSession({ userId: user.id, userAgent: "Mozilla/5.0 (handler test)", ip: "127.0.0.1" }, { credentialsVersion: user.credentialsVersion, secondFactor: input.secondFactor });
  if (!grant?.refresh) throw new Error("startSession refused a fresh proof");
  return {
    user,
    password: created.password,
    access: grant.access,
    sessionId: grant.sessionId,
    refreshToken: grant.refresh.token,
    headers: { authorization: `Bearer ${grant.access}` },
    /** Another sign-in of the same account (another device). */
    another: async () => {
      const again = await getUserRow(user.id);
      const g = await startSession({ userId: user.id, userAgent: "Another device", ip: "127.0.0.2" }, { credentialsVersion: again.credentialsVersion });
      if (!g?.refresh) throw new Error("startSession refused");
      return { access: g.access, sessionId: g.sessionId, refreshToken: g.refresh.token, headers: { authorization: `Bearer ${g.access}` } };
    },
  };
}

/** Make every session of the user older than REAUTH_MAX_AGE (10 minutes): no recent sign-in. */
export async function ageSessions(userId: number): Promise<void> {
  await getDb().update(sessions).set({ createdAt: new Date(Date.now() - 11 * 60_000) }).where(eq(sessions.userId, userId));
}
