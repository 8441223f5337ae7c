import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectAfterCommit, whenCommitted, type AfterCommitTask } from "@/lib/after-commit";
import { getDb, writeTransaction } from "@/lib/db";
import { queueEmail, type OutgoingEmail } from "@/lib/email/send";
import { allEmails } from "./helpers";

// What a request's writes leave for after its answer (lib/after-commit.ts): a queued
// email's delivery joins the request only once its transaction has committed, so a
// rolled-back (or retried) attempt sends nothing, and no route has to pass an id along.

const message: OutgoingEmail = { to: "someone@example.com", subject: "Hello", text: "Hi", html: "<p>Hi</p>" };

beforeEach(() => {
  // Deliveries are noted only when there is a Resend to deliver to.
  process.env.RESEND_API_KEY = "re_test_after_commit";
});
afterEach(() => {
  delete process.env.RESEND_API_KEY;
});

describe("a request's tasks after commit", () => {
  it("joins a committed transaction's deliveries to the request, once each", async () => {
    const tasks: AfterCommitTask[] = [];
    await collectAfterCommit(tasks, async () => {
      await writeTransaction(async (tx) => {
        await queueEmail(tx, message, "notice");
        await queueEmail(tx, { ...message, to: "other@example.com" }, "notice");
        // Nothing joins the request before the commit.
        expect(tasks).toHaveLength(0);
      });
    });
    expect(tasks).toHaveLength(2);
    expect(await allEmails()).toHaveLength(2);
  });

  it("drops a rolled-back transaction's deliveries with its rows", async () => {
    const tasks: AfterCommitTask[] = [];
    await collectAfterCommit(tasks, async () => {
      await expect(
        writeTransaction(async (tx) => {
          await queueEmail(tx, message, "notice");
          throw new Error("the change failed after queueing its notice");
        }),
      ).rejects.toThrow("the change failed");
      await writeTransaction((tx) => queueEmail(tx, { ...message, to: "kept@example.com" }, "notice"));
    });
    expect(tasks).toHaveLength(1);
    expect((await allEmails()).map((m) => m.to)).toEqual(["kept@example.com"]);
  });

  it("keeps a request's tasks when it throws after a commit", async () => {
    const tasks: AfterCommitTask[] = [];
    await expect(
      collectAfterCommit(tasks, async () => {
        await writeTransaction((tx) => queueEmail(tx, message, "notice"));
        throw new Error("after the commit");
      }),
    ).rejects.toThrow("after the commit");
    expect(tasks).toHaveLength(1);
  });

  it("joins at once outside a transaction, and runs nothing without a request", async () => {
    const tasks: AfterCommitTask[] = [];
    await collectAfterCommit(tasks, async () => {
      await queueEmail(getDb(), message, "notice");
    });
    expect(tasks).toHaveLength(1);
    // A CLI or a job: nobody to run it; the outbox worker delivers the row later.
    let ran = false;
    whenCommitted(async () => {
      ran = true;
    });
    await queueEmail(getDb(), message, "notice");
    expect(ran).toBe(false);
    expect(await allEmails()).toHaveLength(2);
  });
});
