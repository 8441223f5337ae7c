import { createServer } from "node:net";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { emails } from "@/db/schema";
import { deliverEmail, deliverPendingEmails, queueEmail, recoverInterruptedEmails, mailboxKey, SEND_LEASE_MS, sendNotice, type OutgoingEmail } from "@/lib/email/send";
import { startFakeResend, type FakeResend } from "../support/fake-resend";
import { expectConsoleError } from "../support/unit-setup";
import { allEmails, getEmail } from "./helpers";

// The outbox (lib/email/send.ts): without RESEND_API_KEY messages stay in the development
// mailbox; with it they go through the real Resend SDK, here to a fake Resend API on
// loopback that checks the key and the body. Delivered bodies are cleared (they hold
// single-use links); failures retry up to 5 times; logs never carry the key.

const SECRET_LINK = "http://127.0.0.1:3999/verify-email/?token=SECRET-TOKEN-abcdefghijklmnopqrstuvwxyz";
const message: OutgoingEmail = {
  to: "someone@example.com",
  subject: "Verify your email address",
  text: `Open ${SECRET_LINK}`,
  html: `<a href="${SECRET_LINK}">Verify</a>`,
};

let resend: FakeResend | undefined;

afterEach(async () => {
  await resend?.stop();
  resend = undefined;
});

async function withFakeResend(): Promise<FakeResend> {
  resend = await startFakeResend();
  process.env.RESEND_API_KEY = resend.apiKey;
  process.env.RESEND_BASE_URL = resend.url;
  return resend;
}

const queue = async (m: OutgoingEmail = message): Promise<number> => (await queueEmail(getDb(), m, "notice"))!;

describe("without RESEND_API_KEY", () => {
  it("keeps the message in the development mailbox, bodies included", async () => {
    const id = await queue();
    expect(await getEmail(id)).toMatchObject({
      to: "someone@example.com",
      from: "Gatehouse <no-reply@localhost>",
      subject: message.subject,
      text: message.text,
      html: message.html,
      status: "mailbox",
      attempts: 0,
    });
    expect(await deliverEmail(id)).toBe(false);
    expect((await getEmail(id)).status).toBe("mailbox");
  });

  it("uses EMAIL_FROM", async () => {
    process.env.EMAIL_FROM = "Acme Accounts <accounts@acme.test>";
    expect((await getEmail(await queue())).from).toBe("Acme Accounts <accounts@acme.test>");
  });
});

describe("with RESEND_API_KEY", () => {
  it("queues as pending, then delivers through Resend and clears the bodies", async () => {
    const fake = await withFakeResend();
    process.env.EMAIL_FROM = "Gatehouse <auth@example.com>";
    const id = await queue();
    expect((await getEmail(id)).status).toBe("pending");

    expect(await deliverEmail(id)).toBe(true);
    expect(fake.messages).toHaveLength(1);
    const [received] = fake.messages;
    expect(received).toMatchObject({
      from: "Gatehouse <auth@example.com>",
      to: ["someone@example.com"],
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    expect(received!.idempotencyKey).toMatch(new RegExp(`^gatehouse-email-${id}-\\d+$`));

    const row = await getEmail(id);
    expect(row).toMatchObject({ status: "sent", attempts: 1, providerMessageId: received!.id, text: null, html: null });
    expect(row.sentAt).toBeInstanceOf(Date);
    expect(JSON.stringify(await allEmails())).not.toContain("SECRET-TOKEN");
  });

  it("never sends a message twice", async () => {
    const fake = await withFakeResend();
    const id = await queue();
    const results = await Promise.all([deliverEmail(id), deliverEmail(id), deliverEmail(id)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await deliverEmail(id)).toBe(false);
    expect(fake.messages).toHaveLength(1);
  });

  it("sendNotice queues and delivers in one call", async () => {
    const fake = await withFakeResend();
    await sendNotice({ ...message, to: "other@example.com" });
    expect(fake.messages.map((m) => m.to)).toEqual([["other@example.com"]]);
    expect((await allEmails())[0]).toMatchObject({ status: "sent", text: null, html: null });
  });
});

describe("failed deliveries", () => {
  it("stay pending and count attempts, then fail after 5, and the log never carries the key or the body", async () => {
    const fake = await withFakeResend();
    const errors = expectConsoleError(/email delivery failed/);
    fake.failNext(10, 500);
    const id = await queue();

    for (let attempt = 1; attempt <= 5; attempt++) {
      expect(await deliverEmail(id)).toBe(false);
      expect(await getEmail(id)).toMatchObject({ attempts: attempt, status: attempt < 5 ? "pending" : "failed" });
    }
    // A failed message is left alone from then on.
    expect(await deliverEmail(id)).toBe(false);
    expect((await getEmail(id)).attempts).toBe(5);
    expect(fake.refusals).toHaveLength(5);
    expect(fake.messages).toHaveLength(0);

    const lines = errors();
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).toContain("email delivery failed");
      expect(line).toContain(`"emailId":${id}`);
      expect(line).not.toContain(fake.apiKey);
      expect(line).not.toContain("SECRET-TOKEN");
      expect(line).not.toContain("Forced failure"); // Resend's own words stay out
    }
    expect(lines[0]).toContain('"willRetry":true');
    expect(lines[4]).toContain('"willRetry":false');
  });

  it("keep the message when the key is refused, without logging the key", async () => {
    const fake = await withFakeResend();
    process.env.RESEND_API_KEY = "re_wrong_key_0123456789";
    const errors = expectConsoleError(/email delivery failed/);
    const id = await queue();
    expect(await deliverEmail(id)).toBe(false);
    expect(fake.refusals).toEqual([{ status: 401, reason: "invalid_api_key" }]);
    expect(await getEmail(id)).toMatchObject({ status: "pending", attempts: 1, text: message.text });
    const logged = errors().join("\n");
    expect(logged).not.toContain("re_wrong_key_0123456789");
    expect(logged).not.toContain(fake.apiKey);
  });

  it("survive Resend being unreachable", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    process.env.RESEND_API_KEY = "re_unreachable_secret";
    process.env.RESEND_BASE_URL = `http://127.0.0.1:${port}`;
    const errors = expectConsoleError(/email delivery failed/);
    const id = await queue();
    expect(await deliverEmail(id)).toBe(false);
    expect(await getEmail(id)).toMatchObject({ status: "pending", attempts: 1 });
    expect(errors().join("\n")).not.toContain("re_unreachable_secret");
  });

  it("are retried by deliverPendingEmails, rows cut off mid-send included after recovery", async () => {
    const fake = await withFakeResend();
    expectConsoleError(/email delivery failed/);
    fake.failNext(1, 503);
    const first = await queue({ ...message, to: "first@example.com" });
    const second = await queue({ ...message, to: "second@example.com" });
    expect(await deliverEmail(first)).toBe(false);
    // A process (this one or another instance) has just claimed this one.
    const claimedAt = Date.now();
    await getDb().update(emails).set({ status: "sending", claimedAt: new Date(claimedAt) }).where(eq(emails.id, second));

    // A retry pass leaves a row whose claim is younger than the lease: it may be in flight.
    await deliverPendingEmails();
    expect(await getEmail(first)).toMatchObject({ status: "sent", attempts: 2 });
    expect(await getEmail(second)).toMatchObject({ status: "sending", attempts: 0 });
    expect(await recoverInterruptedEmails(claimedAt + SEND_LEASE_MS)).toBe(0);
    // Once the claim has lapsed, its sender is taken for dead: recovered and sent.
    expect(await recoverInterruptedEmails(claimedAt + SEND_LEASE_MS + 1)).toBe(1);
    await deliverPendingEmails();
    expect(await getEmail(second)).toMatchObject({ status: "sent", attempts: 1 });
    expect(fake.messages.map((m) => m.to[0])).toEqual(["first@example.com", "second@example.com"]);
  });

  it("resend a message cut off mid-send without duplicating it (idempotency key)", async () => {
    const fake = await withFakeResend();
    const id = await queue();
    expect(await deliverEmail(id)).toBe(true);
    // Resend accepted it but the process died before recording that: the row is left
    // 'sending' with its bodies; once the claim lapses it is sent again under the same key.
    await getDb()
      .update(emails)
      .set({ status: "sending", claimedAt: new Date(Date.now() - SEND_LEASE_MS - 1), text: message.text, html: message.html })
      .where(eq(emails.id, id));
    await deliverPendingEmails();
    expect((await getEmail(id)).status).toBe("sent");
    expect(fake.messages).toHaveLength(1);
  });
});

describe("mailboxKey (the per-address cap's key)", () => {
  it("folds case and drops a +tag, so one inbox is one key", async () => {
    expect(mailboxKey("Victim@Example.com")).toBe("victim@example.com");
    expect(mailboxKey("victim+1@example.com")).toBe("victim@example.com");
    expect(mailboxKey("VICTIM+news+x@EXAMPLE.com")).toBe("victim@example.com");
    expect(mailboxKey("other@example.com")).not.toBe(mailboxKey("victim@example.com"));
  });
});
