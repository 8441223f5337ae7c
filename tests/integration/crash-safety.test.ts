import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { startApp } from "../support/app";
import { startFakeResend } from "../support/fake-resend";

// docs/security.md, data: "Nothing is lost when the process is killed mid-request: a
// registration is either fully there (user, token, queued email) or not at all."
// Registrations are in flight when the server is killed with SIGKILL; after a restart
// every account that exists has its token and its email, and the queued emails go out.

const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-crash-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it("keeps registrations whole across a SIGKILL and delivers their emails after restart", async () => {
  const resend = await startFakeResend();
  // Deliveries fail before the crash, so every email is still queued when it happens.
  // Registrations wait for a hash as long as a busy machine needs: this is about the crash,
  // not the hashing line's 503 (PASSWORD_HASH_MAX_WAIT_MS, its own tests).
  const first = await startApp({ dataDir, env: { RESEND_API_KEY: "re_unreachable", RESEND_BASE_URL: resend.url, PASSWORD_HASH_MAX_WAIT_MS: "60000" } });
  const attempts = Array.from({ length: 24 }, (_, i) =>
    fetch(`${first.url}/api/auth/register/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: `crash${i}`, email: `crash${i}@example.com`, password: "pelican marble autumn" }),
    }).then(
      (res) => res.status,
      () => "killed" as const,
    ),
  );
  // Kill once some registrations have committed and the rest are still in flight.
  const committed = async () => ((await first.db().get("select count(*) as n from users")) as { n: number }).n;
  await expect.poll(committed, { timeout: 60_000, interval: 5, message: "four registrations committed before the kill" }).toBeGreaterThanOrEqual(4);
  process.kill(first.pid(), "SIGKILL");
  const outcomes = await Promise.all(attempts);
  await first.stop();
  expect(outcomes.filter((o) => o !== 201 && o !== "killed"), `answers other than 201 or a cut connection: ${outcomes.join(", ")}`).toEqual([]);
  // The crash really cut registrations off (otherwise this test would prove nothing).
  expect(outcomes.filter((o) => o === "killed").length).toBeGreaterThan(0);

  const second = await startApp({ dataDir, env: { RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url } });
  try {
    const db = second.db();
    const users = await db.all<{ id: number; email: string }>("select id, email from users");
    // Every 201 the clients saw is an account that exists, and so is what committed before.
    expect(users.length).toBeGreaterThanOrEqual(Math.max(4, outcomes.filter((o) => o === 201).length));
    expect(users.length).toBeLessThan(24);
    for (const user of users) {
      const tokens = (await db.get("select count(*) as n from email_verification_tokens where user_id = ?", user.id)) as { n: number };
      const emails = (await db.get('select count(*) as n from emails where "to" = ?', user.email)) as { n: number };
      expect(tokens.n, user.email).toBe(1);
      expect(emails.n, user.email).toBe(1);
    }
    const orphans = (await db.get('select count(*) as n from emails where "to" not in (select email from users)')) as { n: number };
    expect(orphans.n).toBe(0);
    // What was queued before the crash is delivered by the restarted server.
    await expect.poll(() => resend.messages.length, { timeout: 60_000, message: "the restarted server delivering what was queued" }).toBe(users.length);
  } finally {
    await second.stop();
    await resend.stop();
  }
});
