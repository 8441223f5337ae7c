import "server-only";
import type { OutgoingEmail } from "./send";
import { app, describeDuration, layout, securityNotice } from "./templates";

// The messages of the account's own lifecycle (docs/api.md): a change of address, the
// account erased, and what an administrator did to it. The service is named as its
// operator calls it (APP_NAME), as in ./templates.ts.

/** `n***@example.com`: enough for the owner to recognise, too little to learn the address from. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${[...address.slice(0, at)][0]}***${address.slice(at)}`;
}

/** To the new address: the link that makes it the account's (the verification page's). */
export function emailChangeConfirmationEmail(input: { to: string; username: string; link: string; validForSeconds: number }): OutgoingEmail {
  const lines = [
    `Someone signed in to your ${app()} account asked to make this the account's email address. Nothing changes until you confirm it with the link below.`,
    `This link expires in ${describeDuration(input.validForSeconds)} and works once. Confirming it signs out the account's other sessions.`,
    "If you did not ask for this, ignore this email: the account keeps its current address.",
  ];
  return {
    to: input.to,
    subject: "Confirm your new email address",
    text: `Hello ${input.username},\n\n${lines[0]}\n\n${input.link}\n\n${lines.slice(1).join("\n\n")}\n`,
    html: layout({ heading: "Confirm your new email address", paragraphs: [`Hello ${input.username},`, ...lines], action: { label: "Confirm my new address", url: input.link } }),
  };
}

/** To the current address: a change was asked for, naming the new address masked, with the way to stop it. */
export function emailChangeNoticeEmail(input: { to: string; username: string; newAddress: string; cancelUrl: string; validForSeconds: number }): OutgoingEmail {
  return securityNotice({
    to: input.to,
    username: input.username,
    subject: "Your email address is about to change",
    heading: "A change of email address was asked for",
    lines: [
      `Someone signed in to your ${app()} account asked to change its email address to ${maskEmail(input.newAddress)}. It changes once the new address is confirmed.`,
      `If this wasn't you, open the link below within ${describeDuration(input.validForSeconds)}: it cancels the change (or undoes it, if it was already confirmed) and signs out every session of the account. Then reset your password.`,
    ],
    link: { text: "This wasn't me", label: "This wasn't me", url: input.cancelUrl },
  });
}

/**
 * To the address a confirmed change moved the account onto, when the old address's
 * "this wasn't me" undid it: whoever holds this mailbox must not find the account gone
 * without a word (docs/decisions/050).
 */
export function emailChangeUndoneEmail(input: { to: string; username: string; oldAddress: string; loginUrl: string }): OutgoingEmail {
  return securityNotice({
    to: input.to,
    username: input.username,
    subject: `Your ${app()} account no longer uses this address`,
    heading: "The change of email address was undone",
    lines: [
      `The change of your ${app()} account's email address to this one was undone from the previous address, ${maskEmail(input.oldAddress)}, with the "this wasn't me" link it was sent. The account uses that address again, and every session of the account was signed out.`,
      "If you undid it yourself, there is nothing to do. If you did not, whoever reads that mailbox can now reset the account's password: sign in at once with the previous address and your password, and ask the service's administrator for help.",
    ],
    link: { text: "Sign in", label: "Sign in", url: input.loginUrl },
  });
}

/** To the address of an account that has just been erased (by its owner or an administrator). */
export function accountDeletedEmail(input: { to: string; username: string; by: "owner" | "administrator"; registerUrl: string }): OutgoingEmail {
  const what =
    input.by === "owner"
      ? `Your ${app()} account has been deleted, as you asked.`
      : `Your ${app()} account has been deleted by an administrator.`;
  const lines = [
    `${what} Everything stored about it is gone: its sign-in methods, sessions, two-step verification, passkeys and activity.`,
    "This address can be used to create a new account at any time. There is nothing else to do.",
  ];
  return {
    to: input.to,
    subject: `Your ${app()} account was deleted`,
    text: `Hello ${input.username},\n\n${lines.join("\n\n")}\n\nCreate a new account: ${input.registerUrl}\n`,
    html: layout({ heading: "Your account was deleted", paragraphs: [`Hello ${input.username},`, ...lines], action: { label: "Create a new account", url: input.registerUrl } }),
  };
}

/** To a user whose second factor an administrator removed (a lost phone). */
export function secondFactorResetEmail(input: { to: string; username: string; profileUrl: string; resetUrl: string }): OutgoingEmail {
  return securityNotice({
    to: input.to,
    username: input.username,
    subject: "Your two-step verification was reset",
    heading: "Your two-step verification was reset",
    lines: [
      `An administrator removed the two-step verification of your ${app()} account: its authenticator app, recovery codes and passkeys. Every session was signed out. You can now sign in with your password alone; turn two-step verification on again from your profile, under Sign-in and security.`,
      `If you did not ask for this, reset your password now (${input.resetUrl}) and tell your administrator.`,
    ],
    link: { text: "Your profile", label: "Go to my profile", url: input.profileUrl },
  });
}
