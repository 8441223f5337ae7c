// Gatehouse's HTTP server: Next.js in a plain Node http server, for one reason.
// Rate limits and session records need the client's address, and a Next route handler
// only sees X-Forwarded-For, which any client can send. Here the socket's address is
// stamped on every request (overwriting whatever a client sent under that name).
// See docs/decisions/004-custom-server-for-client-ip.md.
import { createServer } from "node:http";
import next from "next";

const dev = process.argv.includes("--dev");
if (!dev) process.env.NODE_ENV ??= "production";
const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOST || (dev ? "localhost" : "0.0.0.0");

const app = next({ dev, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  req.headers["x-gatehouse-client-ip"] = req.socket.remoteAddress ?? "unknown";
  handle(req, res);
});
server.listen(port, hostname, () => {
  console.log(`> Gatehouse ${dev ? "(development)" : ""} listening on http://${hostname}:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    // Requests in flight get a few seconds; then stop regardless.
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
