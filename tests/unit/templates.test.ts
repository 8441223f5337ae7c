import { describe, expect, it } from "vitest";
import {
  claimAccountEmail,
  passwordChangedEmail,
  refreshReuseEmail,
  passwordResetEmail,
  registrationAttemptEmail,
  verificationEmail,
} from "@/lib/email/templates";
import { accountDeletedEmail, emailChangeConfirmationEmail, emailChangeNoticeEmail, emailChangeUndoneEmail, secondFactorResetEmail } from "@/lib/email/account-templates";

// Every message has a text part and a small HTML part; links appear in both, escaped in
// the HTML; anything a user typed (the username) is escaped; expiry is said in words.

const LINK = "http://127.0.0.1:3999/verify-email/?token=abc_DEF-123&x=<y>\"z'";
const ESCAPED_LINK = "http://127.0.0.1:3999/verify-email/?token=abc_DEF-123&amp;x=&lt;y&gt;&quot;z&#39;";
const HOSTILE_NAME = `<img src=x onerror="alert(1)">&co`;

const verification = (overrides: Partial<Parameters<typeof verificationEmail>[0]> = {}) =>
  verificationEmail({
    to: "new@example.com",
    username: "newuser",
    link: LINK,
    validForSeconds: 86_400,
    expiresAt: new Date("2030-01-02T03:04:05Z"),
    ...overrides,
  });

describe("verificationEmail", () => {
  it("has a subject, a text part and an HTML part, to the address given", async () => {
    const email = verification();
    expect(email.to).toBe("new@example.com");
    expect(email.subject).toBe("Verify your email address");
    expect(email.text).toContain("Hello newuser,");
    expect(email.html).toMatch(/^<!doctype html>/);
    expect(email.html).toContain('<html lang="en">');
  });

  it("carries the link verbatim in the text and HTML-escaped in the HTML", async () => {
    const email = verification();
    expect(email.text).toContain(LINK);
    expect(email.html).toContain(`href="${ESCAPED_LINK}"`);
    expect(email.html).not.toContain(LINK);
  });

  it("says when the link expires and that it works once", async () => {
    const email = verification();
    expect(email.text).toContain("This link expires in 24 hours (at Wed, 02 Jan 2030 03:04:05 GMT) and works once.");
    expect(email.html).toContain("This link expires in 24 hours (at Wed, 02 Jan 2030 03:04:05 GMT) and works once.");
  });

  it.each([
    [60, "1 minute"],
    [90, "2 minutes"],
    [600, "10 minutes"],
    [3600, "1 hour"],
    [7200, "2 hours"],
    [86_400, "24 hours"],
    [172_800, "2 days"],
    [604_800, "7 days"],
  ])("says %i seconds as %s", (seconds, words) => {
    expect(verification({ validForSeconds: seconds }).text).toContain(`This link expires in ${words} (`);
  });

  it("escapes the username in the HTML", async () => {
    const email = verification({ username: HOSTILE_NAME });
    expect(email.html).not.toContain("<img");
    expect(email.html).toContain("Hello &lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;co,");
  });

  it("has no scripts and no stylesheets (mail clients drop them)", async () => {
    const { html } = verification();
    expect(html).not.toMatch(/<script|<style|<link/i);
  });
});

describe("registrationAttemptEmail", () => {
  it("tells the owner, names their username, links to sign in, and carries no token", async () => {
    const email = registrationAttemptEmail({ to: "owner@example.com", username: "owner", loginUrl: "http://127.0.0.1:3999/login/" });
    expect(email.to).toBe("owner@example.com");
    expect(email.subject).toBe("Someone tried to register with your email address");
    expect(email.text).toContain("with the username owner, so no new account was made");
    expect(email.text).toContain("Sign in: http://127.0.0.1:3999/login/");
    expect(email.html).toContain('href="http://127.0.0.1:3999/login/"');
    expect(email.text + email.html).not.toMatch(/token=/);
  });

  it("escapes the username in the HTML", async () => {
    const email = registrationAttemptEmail({ to: "o@example.com", username: HOSTILE_NAME, loginUrl: "http://x/login/" });
    expect(email.html).not.toContain("<img");
  });
});

describe("passwordResetEmail", () => {
  it("carries the link in both parts, says it expires in an hour, works once and is replaced by a new request", async () => {
    const link = "http://127.0.0.1:3999/reset-password/?token=t0k3n&a=b";
    const email = passwordResetEmail({ to: "r@example.com", username: HOSTILE_NAME, link, validForSeconds: 3600 });
    expect(email.subject).toBe("Reset your password");
    expect(email.text).toContain(link);
    expect(email.html).toContain('href="http://127.0.0.1:3999/reset-password/?token=t0k3n&amp;a=b"');
    expect(email.text).toContain("This link expires in 1 hour and works once. Asking again replaces it.");
    expect(email.html).not.toContain("<img");
  });
});

describe("passwordChangedEmail", () => {
  it("warns the owner and links to a reset", async () => {
    const email = passwordChangedEmail({
      to: "c@example.com",
      username: "carol",
      resetUrl: "http://127.0.0.1:3999/reset-password/",
      how: "change",
    });
    expect(email.subject).toBe("Your password was changed");
    expect(email.text).toContain("your other sessions were signed out");
    expect(email.text).toContain("Reset your password: http://127.0.0.1:3999/reset-password/");
    expect(email.html).toContain('href="http://127.0.0.1:3999/reset-password/"');
  });

  it("says every session ended after a reset", async () => {
    const email = passwordChangedEmail({ to: "c@example.com", username: "carol", resetUrl: "http://x/reset-password/", how: "reset" });
    expect(email.text).toContain("every session was signed out");
    expect(email.text).not.toContain("other sessions");
  });
});

describe("claimAccountEmail", () => {
  const claim = () => claimAccountEmail({ to: "owner@example.com", link: LINK, validForSeconds: 3600, reason: "registration" });

  it("fits both readers: the owner claims, a stranger may ignore it", async () => {
    const email = claim();
    expect(email.subject).toBe("Claim your Gatehouse account");
    expect(email.text).toContain("started earlier but never confirmed");
    expect(email.text).toContain("set a password to claim it");
    expect(email.text).toContain("removes any sign-in provider");
    expect(email.text).toContain("just tried to register");
    expect(email.text).toContain("If this was not you, you can ignore this email.");
    expect(email.text).toContain("expires in 1 hour and works once");
  });

  it("greets no username (whoever started the account chose it) and carries the link in both parts", async () => {
    const email = claim();
    expect(email.text.startsWith("Hello,\n")).toBe(true);
    expect(email.text).toContain(`Set a password: ${LINK}`);
    expect(email.html).toContain(`href="${ESCAPED_LINK}"`);
    expect(email.html).not.toContain(LINK);
  });
});

describe("refreshReuseEmail", () => {
  it("says why the session ended and what to do, and escapes the username", async () => {
    const email = refreshReuseEmail({ to: "r@example.com", username: HOSTILE_NAME, resetUrl: "http://127.0.0.1:3999/reset-password/" });
    expect(email.subject).toBe("A session was signed out for your safety");
    expect(email.text).toContain("its sign-in token was used twice");
    expect(email.text).toContain("If this wasn't you, change your password now");
    expect(email.text).toContain("Change your password: http://127.0.0.1:3999/reset-password/");
    expect(email.html).not.toContain("<img");
  });
});

describe("APP_NAME", () => {
  it("names the service in every email, text and HTML, escaped", async () => {
    const { setEnv } = await import("./helpers");
    setEnv({ APP_NAME: "Acme <Accounts>" });
    const email = verification();
    expect(email.text).toContain("Confirm your email address for Acme <Accounts> by opening this link");
    expect(email.html).toContain("Sent by Acme &lt;Accounts&gt;.");
    expect(email.html).not.toContain("Gatehouse");
    expect(claimAccountEmail({ to: "a@example.com", link: LINK, validForSeconds: 3600, reason: "resend" }).subject).toBe("Claim your Acme <Accounts> account");
  });

  it("names it in the account's own emails too: a change of address, the goodbye, a reset second factor", async () => {
    const { setEnv } = await import("./helpers");
    setEnv({ APP_NAME: "Acme <Accounts>" });
    const base = { to: "a@example.com", username: "alice" };
    const emails = [
      emailChangeConfirmationEmail({ ...base, link: LINK, validForSeconds: 3600 }),
      emailChangeNoticeEmail({ ...base, newAddress: "b@example.com", cancelUrl: LINK, validForSeconds: 86_400 }),
      accountDeletedEmail({ ...base, by: "owner", registerUrl: LINK }),
      accountDeletedEmail({ ...base, by: "administrator", registerUrl: LINK }),
      secondFactorResetEmail({ ...base, profileUrl: LINK, resetUrl: LINK }),
      emailChangeUndoneEmail({ ...base, oldAddress: "old@example.com", loginUrl: LINK }),
    ];
    for (const email of emails) {
      expect(email.text).toContain("Acme <Accounts> account");
      expect(email.html).toContain("Acme &lt;Accounts&gt; account");
      expect(`${email.subject}${email.text}${email.html}`).not.toContain("Gatehouse");
    }
    expect(emails[2]!.subject).toBe("Your Acme <Accounts> account was deleted");
    // The undo's notice names the old address masked, as the change's own notice does.
    expect(emails[5]!.text).toContain("o***@example.com");
    expect(emails[5]!.text).not.toContain("old@example.com");
  });
});

