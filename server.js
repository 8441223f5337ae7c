// Gatehouse's HTTP server: Next.js in a plain Node http server. First, rate limits and
// session records need the client's address, and a Next route handler only sees
// X-Forwarded-For, which any client can send. Here the socket's address is stamped on
// every request (overwriting whatever a client sent under that name).
// See docs/decisions/004-custom-server-for-client-ip.md. Second, the headers every
// response carries are set here, before Next answers (docs/benchmarks.md).
import { createServer } from "node:http";
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

const server = createServer((req, res) => {
  req.headers["x-gatehouse-client-ip"] = req.socket.remoteAddress ?? "unknown";
  // The headers every response carries (docs/security.md), set before Next answers so that
  // its own answers (308 trailing-slash redirects, 404s) carry them too. lib/startup.ts
  // registers the function, which knows APP_URL and the CORS origins.
  const baseHeaders = globalThis[Symbol.for("gatehouse.responseBaseHeaders")];
  if (baseHeaders) {
    const headers = baseHeaders(req.url ?? "/", req.headers.origin ?? null);
    for (const name in headers) res.setHeader(name, headers[name]);
  }
  handle(req, res);
});
server.listen(port, hostname, () => {
  console.log(`> Gatehouse ${dev ? "(development)" : ""} listening on http://${hostname}:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    // Said aloud, so a stopped server leaves a trace in its log.
    console.log(`> Gatehouse stopping on ${signal}`);
    server.close(() => process.exit(0));
    // Requests in flight get a few seconds; then stop regardless.
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
