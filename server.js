// Gatehouse's HTTP server: Next.js in a plain Node http server. First, rate limits and
// session records need the client's address, and a Next route handler only sees
// X-Forwarded-For, which any client can send. Here the socket's address is stamped on
// every request (overwriting whatever a client sent under that name).
// See docs/decisions/004-custom-server-for-client-ip.md. Second, the headers every
// response carries are set here, before Next answers (docs/benchmarks.md). Third, on
// SIGTERM/SIGINT it drains its connections (docs/decisions/017-graceful-shutdown.md).
import { createServer } from "node:http";
import v8 from "node:v8";
import next from "next";

const dev = process.argv.includes("--dev");
// How the server was started decides its mode, nothing else (docs/security.md,
// deployment): `npm run dev` is development, `npm start` is production whatever
// NODE_ENV said. A production build has "production" compiled in anyway.
const mode = dev ? "development" : "production";
if (process.env.NODE_ENV && process.env.NODE_ENV !== mode) {
  console.warn(`> NODE_ENV=${process.env.NODE_ENV} ignored: this is a ${mode} server (${dev ? "npm run dev" : "npm start"})`);
}
process.env.NODE_ENV = mode;
// argon2 (@node-rs/argon2) allocates its 19 MiB per hash through mimalloc, which by
// default keeps freed memory for a while: under a login flood that held tens of MiB
// beyond the hashes in flight (docs/benchmarks.md). Return it at once. Read by mimalloc
// when the addon loads, long after this line; an operator's own setting wins.
process.env.MIMALLOC_PURGE_DELAY ??= "0";
process.env.MIMALLOC_ARENA_PURGE_MULT ??= "0";
// V8's heap, in production (docs/benchmarks.md, memory): after a full collection V8 sets
// the next limit at up to 4× what survived, and under a steady stream of requests (each
// leaving short-lived garbage that outlives a young-generation collection) the old
// generation then stayed committed at ~165 MiB over a ~70 MiB live heap, so a login flood
// (19 MiB per hash) began from there. At 1.5× V8 collects sooner and hands the pages back.
// Read by V8 at each collection, so it can be set here; a --heap-growing-percent given to
// node wins.
if (!dev && !process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) {
  v8.setFlagsFromString("--heap-growing-percent=50");
}
const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOST || (dev ? "localhost" : "0.0.0.0");

// Tells lib/http.ts that the header below is ours: under plain `next start` it would be
// whatever the client sent, so it is ignored there.
globalThis[Symbol.for("gatehouse.stampsClientIp")] = true;
// Tells lib/security-headers.ts that the headers every response carries are set here.
globalThis[Symbol.for("gatehouse.stampsBaseHeaders")] = true;

const app = next({ dev, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

// Graceful shutdown (docs/decisions/017-graceful-shutdown.md): the responses not yet
// finished, and whether the server is draining.
const unfinished = new Set();
let draining = false;

const server = createServer((req, res) => {
  unfinished.add(res);
  res.once("close", () => {
    unfinished.delete(res);
    // A keep-alive connection whose response has just ended is idle now: close it, so the
    // drain ends when the last response does instead of at the keep-alive timeout.
    if (draining) setImmediate(() => server.closeIdleConnections());
  });
  // While draining, every answer tells the client not to reuse the connection.
  if (draining) res.setHeader("Connection", "close");
  req.headers["x-gatehouse-client-ip"] = req.socket.remoteAddress ?? "unknown";
  // The headers every response carries (docs/security.md), set before Next answers so that
  // its own answers (308 trailing-slash redirects, 404s) carry them too. lib/startup.ts
  // registers the function, which knows APP_URL and the CORS origins.
  const baseHeaders = globalThis[Symbol.for("gatehouse.responseBaseHeaders")];
  if (baseHeaders) {
    const headers = baseHeaders(req.url ?? "/", req.headers.origin ?? null);
    for (const name in headers) res.setHeader(name, headers[name]);
  }
  // The OpenID Connect provider's paths (discovery, /api/auth/oidc/…) go to the provider,
  // which lib/startup.ts registers: outside Next and its trailing-slash rule
  // (docs/decisions/040).
  const oidc = globalThis[Symbol.for("gatehouse.oidc")];
  if (oidc?.matches((req.url ?? "/").split("?")[0])) return void oidc.handle(req, res);
  // An API answer leaves in one write, headers with the body: Next would flush the headers
  // on their own first, a second syscall and packet per request (docs/decisions/024).
  if (req.url?.startsWith("/api/")) res.flushHeaders = headersGoWithTheBody;
  handle(req, res);
  trackUpgrades();
});
function headersGoWithTheBody() {}
// For the shutdown log: how many connections it waits for.
let openConnections = 0;
server.on("connection", (socket) => {
  openConnections++;
  socket.once("close", () => openConnections--);
});

// Upgraded connections: the development server's HMR websocket, one per open tab. They
// carry no request to finish, and server.close() would wait for them until
// SHUTDOWN_TIMEOUT_MS; the shutdown closes them instead. Next attaches its own 'upgrade'
// listener on the first request it handles; ours joins it then, never before, because with
// no listener at all Node hands an upgrade to the request handler, where Next attaches.
const upgraded = new Set();
let trackingUpgrades = false;
function trackUpgrades() {
  if (trackingUpgrades || server.listenerCount("upgrade") === 0) return;
  trackingUpgrades = true;
  server.on("upgrade", (_req, socket) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    if (draining) socket.destroy();
  });
}
server.listen(port, hostname, () => {
  console.log(`> Gatehouse ${dev ? "(development)" : ""} listening on http://${hostname}:${port}`);
});

/**
 * Stop listening (new connections are refused), close idle keep-alive connections, let
 * every request already accepted finish, wait for Next's after() work (the emails those
 * requests queued), then the app's own finish (a last outbox delivery, the database
 * closed), and exit 0. Bounded by SHUTDOWN_TIMEOUT_MS from the signal: past it, say how
 * many requests were cut and exit 1.
 */
async function shutdown(signal) {
  draining = true;
  // lib/shutdown.ts registers the hook at startup; a signal before that has no app to stop.
  const hook = globalThis[Symbol.for("gatehouse.shutdown")];
  const timeoutMs = hook?.timeoutMs ?? 10_000;
  hook?.beginDrain();
  let stage = "requests";
  const deadline = setTimeout(() => {
    const cut = stage === "requests" ? `${unfinished.size} request(s) cut` : "cut while delivering queued email or closing the database";
    console.error(`> Gatehouse stopped after ${timeoutMs} ms (SHUTDOWN_TIMEOUT_MS): ${cut}`);
    process.exit(1);
  }, timeoutMs);
  for (const res of unfinished) if (!res.headersSent) res.setHeader("Connection", "close");
  // close() stops listening and closes idle connections; its callback runs once the last
  // connection has gone.
  const closed = new Promise((resolve) => server.close(() => resolve()));
  // Said aloud (after close(), so that whoever reads it finds the port closed), so that a
  // stopped server leaves a trace in its log.
  console.log(`> Gatehouse stopping on ${signal}: ${unfinished.size} request(s) in flight, ${openConnections} connection(s) open, up to ${timeoutMs} ms`);
  // A websocket is no request to finish: it goes now (a tab's HMR client will try again and find the port closed).
  for (const socket of upgraded) socket.destroy();
  await closed;
  stage = "finish";
  try {
    await app.close();
    await hook?.finish();
  } catch (error) {
    console.error("> Gatehouse shutdown failed:", error);
    process.exit(1);
  }
  clearTimeout(deadline);
  console.log("> Gatehouse stopped: every accepted request answered");
  process.exit(0);
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (!draining) return void shutdown(signal);
    // A second signal (Ctrl-C twice) means now.
    console.error(`> Gatehouse stopping at once on a second ${signal}: ${unfinished.size} request(s) cut`);
    process.exit(1);
  });
}
