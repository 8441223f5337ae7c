import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";

// Two server processes on one database file (two workers behind one proxy, or a restart
// that overlaps): rotation, registration and limits must hold across them
// (docs/security.md: limits "hold across processes that share it"; docs/decisions/002).

const dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-two-"));
let a: RunningApp;
let b: RunningApp;
const PASSWORD = "tandem bicycle harbour";

beforeAll(async () => {
  a = await startApp({ dataDir });
  b = await startApp({ dataDir });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it("rotates a refresh token once when both processes receive it at the same moment", async () => {
  const client = new ApiClient(a.url);
  await client.post("/api/auth/register/", { username: "tandem", email: "tandem@example.com", password: PASSWORD });
  expect((await client.post("/api/auth/login/", { email: "tandem@example.com", password: PASSWORD })).status).toBe(200);

  for (let round = 0; round < 8; round++) {
    const cookie = client.cookies.get("refresh_token")!;
    const send = (app: RunningApp) =>
      fetch(`${app.url}/api/auth/token/refresh/`, { method: "POST", headers: { cookie: `refresh_token=${cookie}` } });
    const answers = await Promise.all([send(a), send(b)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    // Exactly one of them rotated (and set a cookie); the other was the grace answer.
    const rotated = answers.filter((r) => r.headers.getSetCookie().length > 0);
    expect(rotated).toHaveLength(1);
    const next = rotated[0]!.headers.getSetCookie()[0]!.split(";")[0]!.split("=")[1]!;
    client.cookies.set("refresh_token", next);
  }
  const rows = (await a.db().get("select count(*) as n from refresh_tokens")) as { n: number };
  expect(rows.n).toBe(9); // the login's token and one successor per round
});

it("registers one account when the same username arrives at both processes", async () => {
  const body = (n: number) =>
    JSON.stringify({ username: "Samename", email: `same${n}@example.com`, password: PASSWORD });
  const [first, second] = await Promise.all(
    [a, b].map((app, n) =>
      fetch(`${app.url}/api/auth/register/`, { method: "POST", headers: { "content-type": "application/json" }, body: body(n) }),
    ),
  );
  expect([first!.status, second!.status].sort()).toEqual([201, 400]);
  const users = (await a.db().get("select count(*) as n from users where username_key = 'samename'")) as { n: number };
  expect(users.n).toBe(1);
});

it("counts rate limits across both processes", async () => {
  // RELAXED_LIMITS gives 10000 per minute; exhaust the per-IP API budget through one
  // process by writing its counter, then see the other process refuse.
  await a
    .db()
    .run(
      "insert into rate_limits (key, points, expire) values (?, ?, ?) on conflict (key) do update set points = excluded.points, expire = excluded.expire",
      "api:127.0.0.1",
      10_000,
      Date.now() + 60_000,
    );
  const refused = await new ApiClient(b.url).get("/api/auth/me/");
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
});
