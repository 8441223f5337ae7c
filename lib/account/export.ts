import "server-only";
import { asc, desc, eq, inArray, isNotNull, and, isNull, count } from "drizzle-orm";
import { getDb } from "@/lib/db";
import {
  adminAudit,
  emailChanges,
  emails,
  passkeys,
  recoveryCodes,
  securityEvents,
  sessions,
  socialAccounts,
  totpCredentials,
  users,
} from "@/db/schema";
import { identityKey } from "@/lib/auth/user";
import { mailboxKey } from "@/lib/email/send";
import { listAppConsents, type AppConsent } from "./app-access";

// GET /api/auth/me/export/ (docs/api.md; GDPR articles 15 and 20): everything stored
// about the user, in one JSON document, and none of the secrets that stand for it: no
// password hash, token or code hash, TOTP secret, recovery code, passkey public key or
// credential id, and no email bodies (they carried links with tokens).

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export type AccountExport = Awaited<ReturnType<typeof buildExport>>;

/** The document, or null when the user is gone (erased meanwhile). */
export async function exportAccount(userId: number, now = Date.now()): Promise<AccountExport | null> {
  return buildExport(userId, now);
}

async function buildExport(userId: number, now: number) {
  const db = getDb();
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) return null;
  const [providers, sessionRows, keys, totp, codesLeft, changes, events, audit, consents] = await Promise.all([
    db.select().from(socialAccounts).where(eq(socialAccounts.userId, userId)).orderBy(asc(socialAccounts.id)),
    db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.createdAt)),
    db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt)),
    db.select({ confirmedAt: totpCredentials.confirmedAt }).from(totpCredentials).where(and(eq(totpCredentials.userId, userId), isNotNull(totpCredentials.confirmedAt))),
    db.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt))),
    db.select().from(emailChanges).where(eq(emailChanges.userId, userId)).orderBy(asc(emailChanges.id)),
    db.select().from(securityEvents).where(eq(securityEvents.userId, userId)).orderBy(desc(securityEvents.at), desc(securityEvents.id)),
    db.select().from(adminAudit).where(eq(adminAudit.targetId, userId)).orderBy(desc(adminAudit.at)),
    listAppConsents(userId),
  ]);
  const messages = await db
    .select({ to: emails.to, subject: emails.subject, status: emails.status, createdAt: emails.createdAt, sentAt: emails.sentAt })
    .from(emails)
    .where(inArray(emails.recipientKey, [mailboxKey(user.email)]))
    .orderBy(desc(emails.createdAt));
  const totpOn = totp[0];
  return {
    exported_at: new Date(now).toISOString(),
    account: {
      id: user.id,
      username: user.username,
      email: user.email,
      email_verified: user.emailVerified,
      has_password: user.passwordHash !== null,
      role: user.role,
      disabled_at: iso(user.disabledAt),
      created_at: iso(user.createdAt)!,
      updated_at: iso(user.updatedAt)!,
      last_login_at: iso(user.lastLoginAt),
    },
    providers: providers.map((p) => ({
      provider: p.provider,
      provider_user_id: p.providerUserId,
      email: p.email,
      profile: p.profile,
      linked_at: iso(p.createdAt)!,
    })),
    sessions: sessionRows.map((s) => ({
      id: s.id,
      created_at: iso(s.createdAt)!,
      last_used_at: iso(s.lastUsedAt)!,
      expires_at: iso(s.expiresAt)!,
      revoked_at: iso(s.revokedAt),
      user_agent: s.userAgent,
      ip: s.ip,
      second_factor: s.secondFactor,
    })),
    passkeys: keys.map((k) => ({ name: k.name, created_at: iso(k.createdAt)!, last_used_at: iso(k.lastUsedAt), device_type: k.deviceType, backed_up: k.backedUp })),
    two_step: { totp: totpOn !== undefined, enabled_at: iso(totpOn?.confirmedAt ?? null), recovery_codes_left: codesLeft[0]?.n ?? 0 },
    email_changes: changes.map((c) => ({
      old_email: c.oldEmail,
      new_email: c.newEmail,
      requested_at: iso(c.createdAt)!,
      confirmed_at: iso(c.confirmedAt),
      cancelled_at: iso(c.cancelledAt),
    })),
    activity: events.map((e) => ({ type: e.type, at: iso(e.at)!, ip: e.ip, user_agent: e.userAgent, detail: e.detail })),
    // The outbox by the cap's mailbox key, kept to this address exactly (a +tag may be someone else's).
    emails: messages
      .filter((m) => identityKey(m.to) === user.emailKey)
      .map((m) => ({ to: m.to, subject: m.subject, status: m.status, created_at: iso(m.createdAt)!, sent_at: iso(m.sentAt) })),
    administrator_actions: audit.map((a) => ({ at: iso(a.at)!, action: a.action, reason: a.reason })),
    app_consents: consents satisfies AppConsent[],
  };
}
