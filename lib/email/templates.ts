import "server-only";
import type { OutgoingEmail } from "./send";

// Every message has a plain-text part (read by many clients and by screen readers as is)
// and a small HTML part with inline styles only: mail clients ignore stylesheets.

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function describeDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? "24 hours" : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? "1 hour" : `${seconds / 3600} hours`;
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

function layout(input: { heading: string; paragraphs: string[]; action?: { label: string; url: string } }): string {
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
<p style="font-size:12px;color:#777;margin-top:28px">Sent by Gatehouse.</p>
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
    text: `Hello ${input.username},\n\nConfirm your email address for Gatehouse by opening this link:\n\n${input.link}\n\n${expiry}\n\n${ignore}\n`,
    html: layout({
      heading: "Verify your email address",
      paragraphs: [`Hello ${input.username},`, "Confirm your email address for Gatehouse with the button below.", expiry, ignore],
      action: { label: "Verify email address", url: input.link },
    }),
  };
}

/** Sent to the owner of an address when someone tries to register it again. */
export function registrationAttemptEmail(input: { to: string; username: string; loginUrl: string }): OutgoingEmail {
  const lines = [
    `Someone (perhaps you) tried to create a new Gatehouse account with this email address. You already have an account, with the username ${input.username}, so no new account was made.`,
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
    text: `Hello ${input.username},\n\nSet a new Gatehouse password by opening this link:\n\n${input.link}\n\n${expiry}\n\n${ignore}\n`,
    html: layout({
      heading: "Reset your password",
      paragraphs: [`Hello ${input.username},`, "Set a new Gatehouse password with the button below.", expiry, ignore],
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
      ? "The password of your Gatehouse account was just reset with a link sent to this address, and every session was signed out."
      : "The password of your Gatehouse account was just changed, and your other sessions were signed out.",
    "If this was not you, reset your password now with the link below.",
  ];
  return {
    to: input.to,
    subject: "Your password was changed",
    text: `Hello ${input.username},\n\n${lines.join("\n\n")}\n\nReset your password: ${input.resetUrl}\n`,
    html: layout({
      heading: "Your password was changed",
      paragraphs: [`Hello ${input.username},`, ...lines],
      action: { label: "Reset my password", url: input.resetUrl },
    }),
  };
}
