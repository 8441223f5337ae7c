import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { expect, it } from "vitest";
import { appPerTest, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";

// Graceful shutdown (docs/decisions/017-graceful-shutdown.md): on SIGTERM/SIGINT the real
// server stops listening, answers every request it has accepted, says 503 on /api/health/
// while it drains, closes idle keep-alive connections, delivers the queued email, closes
// the database and exits 0, all within SHUTDOWN_TIMEOUT_MS; past it, it says what it cut.

const { app: startApp } = appPerTest();
const PASSWORD = "orderly exit through the side door";
const BURST = 24;

type Outcome = { status: number; connection: string | undefined; body: string } | { error: string };

/**
 * A login on its own keep-alive connection, read to the end of its body; `sent` resolves
 * once the whole request has been handed to the connection.
 */
function login(app: RunningApp, agent: Agent, email: string): { sent: Promise<void>; outcome: Promise<Outcome> } {
  const { hostname, port } = new URL(app.url);
  let sent!: () => void;
  const written = new Promise<void>((resolve) => (sent = resolve));
  const outcome = new Promise<Outcome>((resolve) => {
    const req = request(
      { host: hostname, port, path: "/api/auth/login/", method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
        res.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.on("finish", sent);
    req.end(JSON.stringify({ email, password: PASSWORD }));
  });
  return { sent: written, outcome };
}

/** A raw connection, to hold a request half-sent across the signal. */
async function rawConnection(app: RunningApp): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(app.url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let text = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, received: () => text, closed };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A health check on a connection of its own. Connections wait in the kernel's queue, in
 * order, until the server accepts them: once this one is answered, the server has
 * accepted every connection opened before it, and read the requests already sent on them.
 */
function healthOnNewConnection(app: RunningApp): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${app.url}/api/health/`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    })
      .on("error", reject)
      .end();
  });
}

function connectionRefused(app: RunningApp): Promise<string> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

it("answers every accepted request, refuses new connections, says draining, delivers the queued email, exits 0", async () => {
  // Logins wait for a hash up to 30 s here, so the burst ends in 200s rather than 503s.
  const app = await startApp({ env: { PASSWORD_HASH_MAX_WAIT_MS: "30000" } });
  const client = new ApiClient(app.url);
  // Resend refuses every send until the signal: the registration's email goes back to the
  // outbox, and so it does at any retry before the signal (the startup's retry once a
  // crashed sender's lease has run out comes 11 s after the start, sooner than a busy
  // machine gets here). Only the shutdown's last delivery can send it.
  app.mail.failNext(1_000_000);
  const email = "leaving@example.com";
  expect((await client.post("/api/auth/register/", { username: "leaving", email, password: PASSWORD })).status).toBe(201);
  await until(() => app.mail.refusals.length >= 1, "Resend's refusal");
  expect(app.mail.messages).toHaveLength(0);

  // An idle keep-alive connection, and one whose request is half sent (headers unfinished).
  const idle = await rawConnection(app);
  idle.socket.write(`GET /api/health/ HTTP/1.1\r\nHost: ${new URL(app.url).host}\r\n\r\n`);
  await until(() => idle.received().includes('{"status":"ok"}'), "the idle connection's first answer");
  const halfSent = await rawConnection(app);
  halfSent.socket.write(`GET /api/health/ HTTP/1.1\r\nHost: ${new URL(app.url).host}\r\n`);

  // The burst, each login on its own kept-alive connection; argon2 makes each take tens of
  // ms, and only one or two hash at a time here, so most are still running at the signal.
  const agent = new Agent({ keepAlive: true, maxSockets: BURST });
  const logins = Array.from({ length: BURST }, () => login(app, agent, email));
  const outcomes = Promise.all(logins.map((l) => l.outcome));
  // "Accepted" (docs/decisions/017): the server has taken the connection and begun reading
  // the request. Connections still queued in the kernel at the signal are not; so the
  // signal waits until every login has been written and taken in.
  await Promise.all(logins.map((l) => l.sent));
  expect(await healthOnNewConnection(app)).toBe(200);

  const signalledAt = Date.now();
  process.kill(app.pid(), "SIGTERM");
  await until(() => app.logs().includes("> Gatehouse stopping on SIGTERM"), "the stopping line");
  // From now on Resend accepts: what sends the email now is the shutdown.
  app.mail.failNext(0);
  const inFlight = Number(/stopping on SIGTERM: (\d+) request\(s\) in flight/.exec(app.logs())?.[1]);
  expect(inFlight, app.logs()).toBeGreaterThan(0);

  // New connections are refused from now on.
  expect(await connectionRefused(app)).toBe("ECONNREFUSED");
  // The idle keep-alive connection is closed by the server (not left to its keep-alive timeout).
  await idle.closed;
  // The half-sent request was accepted on an open connection: it is answered, with 503
  // so that a load balancer stops routing here, and the connection is not kept.
  halfSent.socket.write("\r\n");
  await halfSent.closed;
  expect(halfSent.received()).toMatch(/^HTTP\/1\.1 503 /);
  expect(halfSent.received()).toMatch(/\r\nconnection: close\r\n/i);
  expect(halfSent.received()).toContain('{"status":"draining"}');

  // Every login the server accepted got its whole answer: no resets, no hang-ups.
  const results = await outcomes;
  const failures = results.filter((r) => "error" in r || r.status !== 200);
  expect(failures, app.logs()).toEqual([]);
  for (const result of results) expect(JSON.parse((result as { body: string }).body).access).toMatch(/^ey/);
  // Those still running at the signal were told not to reuse their connection.
  expect(results.filter((r) => "connection" in r && r.connection === "close").length).toBeGreaterThan(0);
  agent.destroy();

  const exit = await app.exited;
  const tookMs = Date.now() - signalledAt;
  expect(exit, app.logs()).toEqual({ code: 0, signal: null });
  expect(tookMs).toBeLessThan(10_000); // SHUTDOWN_TIMEOUT_MS's default
  // The refused email went out during the shutdown, through the fake Resend.
  expect(app.mail.messages.map((m) => [m.to].flat())).toEqual([[email]]);
  const logs = app.logs();
  expect(logs.indexOf("INFO email sent")).toBeGreaterThan(logs.indexOf("> Gatehouse stopping on SIGTERM"));
  expect(logs).toContain("shutdown complete: outbox delivered, database closed");
  expect(logs).toContain("> Gatehouse stopped: every accepted request answered");
});

it("stops at SHUTDOWN_TIMEOUT_MS whatever is still running, says how many requests it cut, and exits 1", async () => {
  const app = await startApp({ env: { SHUTDOWN_TIMEOUT_MS: "1000" } });
  // A login whose body never finishes arriving: accepted, and never done.
  const stuck = await rawConnection(app);
  stuck.socket.write(
    `POST /api/auth/login/ HTTP/1.1\r\nHost: ${new URL(app.url).host}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"email":`,
  );
  expect(await healthOnNewConnection(app)).toBe(200);

  const signalledAt = Date.now();
  process.kill(app.pid(), "SIGINT");
  const exit = await app.exited;
  const tookMs = Date.now() - signalledAt;
  expect(exit, app.logs()).toEqual({ code: 1, signal: null });
  expect(app.logs()).toMatch(/stopping on SIGINT: 1 request\(s\) in flight, \d+ connection\(s\) open, up to 1000 ms/);
  expect(app.logs()).toMatch(/stopped after 1000 ms \(SHUTDOWN_TIMEOUT_MS\): 1 request\(s\) cut/);
  // It waited for the bound, and not much longer.
  expect(tookMs).toBeGreaterThanOrEqual(1000);
  expect(tookMs).toBeLessThan(5000);
  await stuck.closed;
});
