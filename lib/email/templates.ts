import "server-only";
import { getEnv } from "@/lib/env";
import type { OutgoingEmail } from "./send";

// Every message has a plain-text part (read by many clients and by screen readers as is)
// and a small HTML part with inline styles only: mail clients ignore stylesheets. The
// service is named as its operator calls it (APP_NAME, "Gatehouse" by default).

/** The name people know this service by. */
export const app = () => getEnv().APP_NAME;

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function describeDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? "24 hours" : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? "1 hour" : `${seconds / 3600} hours`;
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

export function layout(input: { heading: string; paragraphs: string[]; action?: { label: string; url: string } }): string {
  const button = input.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(input.action.url)}" style="background:#1d4ed8;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(input.action.label)}</a></p>
<p style="font-size:13px;color:#555">If the button does not work, copy this address into your browser:<br><a href="${escapeHtml(input.action.url)}" style="color:#1d4ed8;word-break:break-all">${escapeHtml(input.action.url)}</a></p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(input.heading)}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111">
<div style="max-width:520px;margin:0 auto;background:#ffffff;border-radius:8px;padding:28px">
<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(input.heading)}</h1>
${input.paragraphs.map((p) => `<p style="line-height:1.5">${escapeHtml(p)}</p>`).join("\n")}
${button}
<p style="font-size:12px;color:#777;margin-top:28px">Sent by ${escapeHtml(app())}.</p>
</div></body></html>`;
}

export function verificationEmail(input: {
  to: string;
  username: string;
  link: string;
  validForSeconds: number;
  expiresAt: Date;
}): OutgoingEmail {
  const validFor = describeDuration(input.validForSeconds);
  const expiry = `This link expires in ${validFor} (at ${input.expiresAt.toUTCString()}) and works once.`;
  const ignore = "If you did not create an account, you can ignore this email.";
  return {
    to: input.to,
    subject: "Verify your email address",
    text: `Hello ${input.username},\n\nConfirm your email address for ${app()} by opening this link:\n\n${input.link}\n\n${expiry}\n\n${ignore}\n`,
    html: layout({
      heading: "Verify your email address",
      paragraphs: [`Hello ${input.username},`, `Confirm your email address for ${app()} with the button below.`, expiry, ignore],
      action: { label: "Verify email address", url: input.link },
    }),
  };
}

/** Sent to the owner of an address when someone tries to register it again. */
export function registrationAttemptEmail(input: { to: string; username: string; loginUrl: string }): OutgoingEmail {
  const lines = [
    `Someone (perhaps you) tried to create a new ${app()} account with this email address. You already have an account, with the username ${input.username}, so no new account was made.`,
    "If it was you, sign in instead. If it was not, you can ignore this email: nothing about your account has changed.",
  ];
  return {
    to: input.to,
    subject: "Someone tried to register with your email address",
    text: `Hello ${input.username},\n\n${lines.join("\n\n")}\n\nSign in: ${input.loginUrl}\n`,
    html: layout({
      heading: "An attempt to register with your address",
      paragraphs: [`Hello ${input.username},`, ...lines],
      action: { label: "Sign in", url: input.loginUrl },
    }),
  };
}

export function passwordResetEmail(input: { to: string; username: string; link: string; validForSeconds: number }): OutgoingEmail {
  const expiry = `This link expires in ${describeDuration(input.validForSeconds)} and works once. Asking again replaces it.`;
  const ignore = "If you did not ask to reset your password, ignore this email: your password has not changed.";
  return {
    to: input.to,
    subject: "Reset your password",
    text: `Hello ${input.username},\n\nSet a new ${app()} password by opening this link:\n\n${input.link}\n\n${expiry}\n\n${ignore}\n`,
    html: layout({
      heading: "Reset your password",
      paragraphs: [`Hello ${input.username},`, `Set a new ${app()} password with the button below.`, expiry, ignore],
      action: { label: "Set a new password", url: input.link },
    }),
  };
}

/** Sent after a password change or reset, so a takeover does not go unnoticed. */
export function passwordChangedEmail(input: {
  to: string;
  username: string;
  resetUrl: string;
  /** A reset ends every session; a change keeps the one it was made from. */
  how: "reset" | "change";
}): OutgoingEmail {
  const lines = [
    input.how === "reset"
      ? `The password of your ${app()} account was just reset with a link sent to this address, and every session was signed out.`
      : `The password of your ${app()} account was just changed, and your other sessions were signed out.`,
    "If this was not you, reset your password now with the link below.",
  ];
  return securityNotice({
    to: input.to,
    username: input.username,
    subject: "Your password was changed",
    heading: "Your password was changed",
    lines,
    link: { text: "Reset your password", label: "Reset my password", url: input.resetUrl },
  });
}

/** A notice to the owner of an account about something done to it, with one way to act. */
export function securityNotice(input: {
  to: string;
  username: string;
  subject: string;
  heading: string;
  lines: string[];
  link: { text: string; label: string; url: string };
}): OutgoingEmail {
  return {
    to: input.to,
    subject: input.subject,
    text: `Hello ${input.username},\n\n${input.lines.join("\n\n")}\n\n${input.link.text}: ${input.link.url}\n`,
    html: layout({
      heading: input.heading,
      paragraphs: [`Hello ${input.username},`, ...input.lines],
      action: { label: input.link.label, url: input.link.url },
    }),
  };
}

/**
 * Sent when a registration meets an account that was started with this address but
 * never confirmed (docs/decisions/011). Whoever started it may not be the person who
 * reads this, so the words fit both, and the link claims the account outright: a new
 * password, the address verified, every session ended, every linked provider removed.
 */
export function claimAccountEmail(input: {
  to: string;
  link: string;
  validForSeconds: number;
  /** What someone just did: registered with the address, or asked for a new email. */
  reason: "registration" | "resend";
}): OutgoingEmail {
  const asked =
    input.reason === "registration"
      ? `Someone (perhaps you) just tried to register at ${app()} with this email address.`
      : `Someone (perhaps you) just asked ${app()} for a new confirmation email for this address.`;
  const lines = [
    `${asked} An account with this address was started earlier but never confirmed.`,
    "If it is yours, set a password to claim it. Claiming it confirms your address, signs out every session of that account and removes any sign-in provider linked to it, so whoever started it keeps no way in.",
    `This link expires in ${describeDuration(input.validForSeconds)} and works once.`,
    "If this was not you, you can ignore this email.",
  ];
  return {
    to: input.to,
    subject: `Claim your ${app()} account`,
    text: `Hello,\n\n${lines.slice(0, 2).join("\n\n")}\n\nSet a password: ${input.link}\n\n${lines.slice(2).join("\n\n")}\n`,
    html: layout({
      heading: "Claim your account",
      paragraphs: ["Hello,", ...lines],
      action: { label: "Set a password", url: input.link },
    }),
  };
}

/** Sent when a refresh token comes back after it was replaced: the theft signal (RFC 9700 §4.14.2). */
export function refreshReuseEmail(input: { to: string; username: string; resetUrl: string }): OutgoingEmail {
  const lines = [
    `One of your ${app()} sessions was just signed out because its sign-in token was used twice. That happens when a copy of the token is used by someone else, or, rarely, when a device restores an old copy.`,
    "If this wasn't you, change your password now with the link below: that signs out every other session too.",
  ];
  return securityNotice({
    to: input.to,
    username: input.username,
    subject: "A session was signed out for your safety",
    heading: "A session was signed out",
    lines,
    link: { text: "Change your password", label: "Change my password", url: input.resetUrl },
  });
}

/** What a security notice of the second factor or sign-in methods is about. */
export type AccountChange =
  | { kind: "totp_enabled" }
  | { kind: "totp_disabled" }
  | { kind: "recovery_code_used"; remaining: number }
  | { kind: "recovery_codes_regenerated" }
  | { kind: "passkey_added"; name: string }
  | { kind: "provider_linked"; provider: string };

function accountChangeWords(change: AccountChange): { subject: string; line: string } {
  switch (change.kind) {
    case "totp_enabled":
      return {
        subject: "Two-step verification is on",
        line: `Two-step verification was just turned on for your ${app()} account: signing in now also asks for a code from your authenticator app.`,
      };
    case "totp_disabled":
      return {
        subject: "Two-step verification is off",
        line: `Two-step verification was just turned off for your ${app()} account: signing in no longer asks for a code.`,
      };
    case "recovery_code_used": {
      const left = change.remaining === 1 ? "1 code is" : `${change.remaining} codes are`;
      return { subject: "A recovery code was used", line: `One of your ${app()} recovery codes was just used. ${left} left.` };
    }
    case "recovery_codes_regenerated":
      return {
        subject: "New recovery codes were made",
        line: `Ten new recovery codes were just made for your ${app()} account, and the old ones no longer work. The codes themselves are never sent by email.`,
      };
    case "passkey_added":
      return {
        subject: "A passkey was added",
        line: `A passkey named "${change.name}" was just added to your ${app()} account. It can sign in to your account on its own.`,
      };
    case "provider_linked":
      return { subject: `${change.provider} was linked to your account`, line: `Your ${app()} account can now be signed in to with ${change.provider}.` };
  }
}

/**
 * Sent when a way to sign in, or the second step of signing in, changes (docs/api.md):
 * the owner hears of it even when someone else did it.
 */
export function accountChangeEmail(input: { to: string; username: string; change: AccountChange; profileUrl: string; resetUrl: string }): OutgoingEmail {
  const words = accountChangeWords(input.change);
  return securityNotice({
    to: input.to,
    username: input.username,
    subject: words.subject,
    heading: words.subject,
    lines: [
      words.line,
      `If this was you, there is nothing to do. If it was not, reset your password now (${input.resetUrl}), then review your sign-in methods on your profile.`,
    ],
    link: { text: "Review your profile", label: "Review my profile", url: input.profileUrl },
  });
}
