import "server-only";
import { describeDatabase } from "@/db/client";
import { databaseReady } from "@/lib/db";
import { DatabaseUnreachableError } from "@/db/postgres";
import { trimAdminAudit } from "./admin/audit";
import { scheduleSecurityEventTrim } from "./auth/activity";
import { trimExpiredMfaTokens } from "./auth/mfa/mfa-token";
import { resealTotpSecrets } from "./auth/mfa/second-factor";
import { trimExpiredChallenges } from "./auth/passkeys";
import { dummyPasswordHash } from "./auth/password";
import { getSigningKey } from "./auth/tokens";
import { deliverPendingEmails, SEND_LEASE_MS } from "./email/send";
import { EnvError, getEnv, runMode } from "./env";
import { isClientIpStamped } from "./http/request";
import { log } from "./log";
import { registerResponseBaseHeaders } from "./security-headers";
import { registerShutdown } from "./shutdown";
import { purgeExpiredOidcModels } from "./oidc/adapter";
import { deliverPendingBackchannelLogouts, trimBackchannelLogouts } from "./oidc/backchannel";
import { registerOidcProvider } from "./oidc/handler";

const EMAIL_RETRY_INTERVAL_MS = 60_000;

/**
 * Startup: a bad variable, or a production setup without its keys, stops the process
 * with a message that names the variable; nothing half-configured serves requests.
 */
export async function startServer(): Promise<void> {
  try {
    const env = getEnv();
    await databaseReady();
    await Promise.all([getSigningKey(), dummyPasswordHash()]);
    registerResponseBaseHeaders();
    // The OpenID Connect provider, which server.js serves before Next (docs/decisions/040).
    await registerOidcProvider();
    if (!isClientIpStamped() && env.TRUST_PROXY === 0) {
      log.warn("started without server.js: client addresses are unknown, so every client shares one per-IP limit; use `npm start` (docs/decisions/004)");
    }
    log.info("gatehouse ready", {
      appUrl: env.APP_URL,
      database: describeDatabase(env.DATABASE_URL),
      mode: runMode(),
      email: env.RESEND_API_KEY ? "resend" : "development mailbox (/dev/mail/)",
    });
  } catch (error) {
    if (error instanceof EnvError || error instanceof DatabaseUnreachableError) console.error(`\n${error.message}\n`);
    else log.error("startup failed", { error });
    process.exit(1);
  }
  // Mail an earlier run queued but never delivered (a crash, Resend down), then keep
  // retrying what fails now, so an outage does not strand a verification link.
  const retries = startEmailRetries();
  // Security events are kept 90 days: trimmed now and hourly, never on a request's time.
  scheduleSecurityEventTrim({
    "expired WebAuthn challenges": () => trimExpiredChallenges(),
    "expired mfa tokens": () => trimExpiredMfaTokens(),
    "expired OpenID Connect codes, tokens and sessions": () => purgeExpiredOidcModels(),
    "delivered back-channel logouts": () => trimBackchannelLogouts(),
    // The administrators' audit is kept a year.
    "admin audit entries older than a year": () => trimAdminAudit(),
  });
  await resealSecondFactors();
  registerShutdown({ timeoutMs: getEnv().SHUTDOWN_TIMEOUT_MS, stopBackgroundWork: retries.stop });
}

/**
 * TOTP secrets sealed under a root that no longer seals (a rotated signing key, an older
 * MFA_ENCRYPTION_KEY entry) move to the current one, while the old root is still
 * configured (docs/decisions/018). Boxes no root opens are an operator's matter: said loudly.
 * Exported for tests/handlers/mfa-key-rotation.test.ts, which restarts the app in-process.
 */
export async function resealSecondFactors(): Promise<void> {
  try {
    const { resealed, unreadable } = await resealTotpSecrets();
    if (resealed) log.info("re-sealed TOTP secrets under the current root", { count: resealed });
    if (unreadable) {
      log.error("TOTP secrets sealed under a root that is no longer configured: those users cannot pass their second step; put the old key back (its private part) or MFA_ENCRYPTION_KEY entry", { count: unreadable });
    }
  } catch (error) {
    log.error("re-sealing TOTP secrets failed", { error });
  }
}

/** deliverPendingEmails now and every minute, one pass at a time, until stop(). */
function startEmailRetries(): { stop: () => Promise<void> } {
  let pass: Promise<void> | null = null;
  const retry = () => {
    pass ??= Promise.all([
      deliverPendingEmails().catch((error: unknown) => log.error("retrying queued emails failed", { error })),
      // Back-channel logout tokens are an outbox too, retried on the same beat.
      deliverPendingBackchannelLogouts().catch((error: unknown) => log.error("retrying back-channel logouts failed", { error })),
    ])
      .then(() => {})
      .finally(() => (pass = null));
  };
  retry();
  // Once more when a claim cut off by a crash just before this start has lapsed, so that
  // a restart delivers it within seconds, not at the next minute's pass.
  const afterLease = setTimeout(retry, SEND_LEASE_MS + 1000);
  afterLease.unref();
  const timer = setInterval(retry, EMAIL_RETRY_INTERVAL_MS);
  timer.unref();
  return {
    stop: async () => {
      clearTimeout(afterLease);
      clearInterval(timer);
      await pass;
    },
  };
}
