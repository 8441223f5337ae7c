import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { administrator } from "../support/accounts";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";
import { startFakeResend, type FakeResend } from "../support/fake-resend";
import { TEST_POSTGRES_URL } from "../support/test-database";

// Two production servers on one PostgreSQL database, as behind a load balancer (README,
// "Several instances"): every piece of state that decides something lives in the
// database, so whichever instance a request lands on decides the same. PostgreSQL only:
// `npm run test:integration:pg` (or GATEHOUSE_TEST_POSTGRES_URL) runs it.

const PASSWORD = "two lighthouses one coast";
const LOGIN_FAILURES = 3;
// Instances behind one load balancer share its public address, which access tokens name.
const BALANCER_URL = "http://localhost:8080";

const TITLE = TEST_POSTGRES_URL
  ? "two instances on one PostgreSQL database"
  : "two instances on one PostgreSQL database (skipped: PostgreSQL only; npm run test:integration:pg runs it)";

// Said once per run, where a skipped suite would otherwise pass unnoticed.
if (!TEST_POSTGRES_URL) console.warn(`${TITLE.replace(/ \(skipped.*/, "")}: skipped, PostgreSQL only (npm run test:integration:pg runs it)`);

describe.skipIf(!TEST_POSTGRES_URL)(TITLE, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-pair-"));
  let resend: FakeResend;
  let a: RunningApp;
  let b: RunningApp;
  const start = () =>
    startApp({ dataDir, env: { APP_URL: BALANCER_URL, RESEND_API_KEY: resend.apiKey, RESEND_BASE_URL: resend.url, RATE_LIMIT_LOGIN_FAILURES: String(LOGIN_FAILURES) } });

  /** Both at once, as a deploy starts them; if one fails, the other is stopped, not leaked. */
  async function startBoth(): Promise<void> {
    const started = await Promise.allSettled([start(), start()]);
    const failed = started.find((r) => r.status === "rejected");
    if (failed) {
      await Promise.all(started.map((r) => (r.status === "fulfilled" ? r.value.stop() : undefined)));
      throw failed.reason;
    }
    [a, b] = started.map((r) => (r as PromiseFulfilledResult<RunningApp>).value) as [RunningApp, RunningApp];
  }

  beforeAll(async () => {
    resend = await startFakeResend();
    await startBoth();
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await resend?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh verified-or-not account with a session on `app`: its client holds the refresh cookie. */
  async function signedIn(app: RunningApp, name: string): Promise<{ client: ApiClient; access: string; email: string }> {
    const client = new ApiClient(app.url);
    const email = `${name}@example.com`;
    expect((await client.post("/api/auth/register/", { username: name, email, password: PASSWORD })).status).toBe(201);
    const login = await client.post("/api/auth/login/", { email, password: PASSWORD });
    expect(login.status).toBe(200);
    return { client, access: login.body.access, email };
  }

  /** A client for `app` holding `from`'s refresh cookie: the same browser, routed elsewhere. */
  function sameBrowserOn(app: RunningApp, from: ApiClient): ApiClient {
    const client = new ApiClient(app.url);
    client.cookies.set("refresh_token", from.cookies.get("refresh_token")!);
    return client;
  }

  const me = (app: RunningApp, access: string) => new ApiClient(app.url).get("/api/auth/me/", { authorization: `Bearer ${access}` });

  it("runs both on the same PostgreSQL database", () => {
    expect(a.databaseUrl).toMatch(/^postgres(ql)?:\/\//);
    expect(b.databaseUrl).toBe(a.databaseUrl);
  });

  it("refreshes on B a session started on A, and each accepts the other's access token", async () => {
    const { client, access } = await signedIn(a, "pairstart");
    const onB = sameBrowserOn(b, client);
    const refreshed = await onB.post("/api/auth/token/refresh/");
    expect(refreshed.status).toBe(200);
    expect(onB.cookies.get("refresh_token")).not.toBe(client.cookies.get("refresh_token"));
    expect((await me(b, access)).status).toBe(200);
    expect((await me(a, refreshed.body.access)).status).toBe(200);
  });

  it("leaves exactly one successor and a live session when one refresh cookie reaches A and B at once", async () => {
    const { client } = await signedIn(a, "pairrace");
    const sessionId = (await a.db().get<{ id: string }>("select s.id from sessions s join users u on u.id = s.user_id where u.username = 'pairrace'"))!.id;
    let access = "";
    for (let round = 1; round <= 8; round++) {
      const cookie = client.cookies.get("refresh_token")!;
      const send = (app: RunningApp) => fetch(`${app.url}/api/auth/token/refresh/`, { method: "POST", headers: { cookie: `refresh_token=${cookie}` } });
      const answers = await Promise.all([send(a), send(b)]);
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      // One rotated (and set the successor); the other got the grace answer, no cookie.
      const rotated = answers.filter((r) => r.headers.getSetCookie().length > 0);
      expect(rotated).toHaveLength(1);
      client.cookies.set("refresh_token", rotated[0]!.headers.getSetCookie()[0]!.split(";")[0]!.split("=")[1]!);
      access = ((await rotated[0]!.json()) as { access: string }).access;
      const tokens = await a.db().get<{ n: number; rotated: number }>(
        "select count(*) as n, count(rotated_at) as rotated from refresh_tokens where session_id = ?",
        sessionId,
      );
      // The login's token plus one successor per round; all but the newest rotated.
      expect(tokens).toEqual({ n: round + 1, rotated: round });
    }
    expect(await a.db().get("select revoked_at from sessions where id = ?", sessionId)).toEqual({ revoked_at: null });
    expect((await me(b, access)).status).toBe(200);
    expect((await sameBrowserOn(b, client).post("/api/auth/token/refresh/")).status).toBe(200);
  });

  it("refuses on B, at once, a session logged out on A", async () => {
    const { client, access } = await signedIn(a, "pairlogout");
    const onB = sameBrowserOn(b, client);
    expect((await me(b, access)).status).toBe(200);
    expect((await client.post("/api/auth/logout/", undefined, { authorization: `Bearer ${access}` })).status).toBe(200);
    expect((await me(b, access)).status).toBe(401);
    expect((await onB.post("/api/auth/token/refresh/")).status).toBe(401);
  });

  it("refuses on B, at once, the live session of an account an administrator disabled on A", async () => {
    const chief = await administrator(a, "pairchief");
    const { client, access, email } = await signedIn(b, "pairdisabled");
    const id = Number((await a.db().get<{ id: number }>("select id from users where email = ?", email))!.id);
    expect((await me(b, access)).status).toBe(200);
    const disabled = await chief.call("POST", `/api/admin/users/${id}/disable/`, { reason: "two instances" });
    expect(disabled.status).toBe(200);
    expect((await me(b, access)).status).toBe(401);
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(401);
    const again = await new ApiClient(b.url).post("/api/auth/login/", { email, password: PASSWORD });
    expect(again.status).toBe(403);
    expect(again.body.code).toBe("account_disabled");
  });

  it("locks on B an account whose failures were counted on A", async () => {
    const { email } = await signedIn(b, "pairlock");
    for (let i = 0; i < LOGIN_FAILURES; i++) {
      expect((await new ApiClient(a.url).post("/api/auth/login/", { email, password: "not the password at all" })).status).toBe(400);
    }
    // The right password, on the other instance: the shared count has locked it.
    const locked = await new ApiClient(b.url).post("/api/auth/login/", { email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("sends each queued email exactly once when both instances retry at the same moment", async () => {
    // Resend is down while six accounts register through both instances: six messages queued.
    const before = resend.sendKeys.length;
    resend.failNext(1000, 503);
    for (let i = 0; i < 6; i++) {
      const app = i % 2 ? b : a;
      expect((await new ApiClient(app.url).post("/api/auth/register/", { username: `pairmail${i}`, email: `pairmail${i}@example.com`, password: PASSWORD })).status).toBe(201);
    }
    // Each one's first attempt runs after its response: wait until all six have failed once.
    const failedOnce = async () =>
      (await a.db().get<{ n: number }>("select count(*) as n from emails where status = 'pending' and attempts = 1 and \"to\" like 'pairmail%'"))!.n;
    await expect.poll(failedOnce, { timeout: 30_000, message: "each instance's failed delivery" }).toBe(6);
    resend.failNext(0);
    // Both restart together: each one's startup pass retries every pending message.
    await Promise.all([a.stop(), b.stop()]);
    await startBoth();
    await expect
      .poll(async () => (await a.db().get<{ n: number }>("select count(*) as n from emails where status = 'sent' and \"to\" like 'pairmail%'"))!.n, {
        timeout: 15_000,
      })
      .toBe(6);
    const sent = resend.sendKeys.slice(before).filter((key) => key !== null);
    expect(sent).toHaveLength(6);
    expect(new Set(sent).size).toBe(6);
    for (let i = 0; i < 6; i++) expect(resend.messages.filter((m) => m.to.includes(`pairmail${i}@example.com`))).toHaveLength(1);
  });

  it("answers 503 on /api/health/ when its database does not answer", async () => {
    const lone = await startApp({});
    try {
      expect((await fetch(`${lone.url}/api/health/`)).status).toBe(200);
      const name = new URL(lone.databaseUrl).pathname.slice(1);
      const admin = (await import("pg")).default;
      const client = new admin.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop database "${name}" with (force)`);
      await client.end();
      expect((await fetch(`${lone.url}/api/health/`)).status).toBe(503);
    } finally {
      await lone.stop();
    }
  });
});
