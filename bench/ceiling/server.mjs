// The ceiling app served as Gatehouse's server.js serves Gatehouse: Next's request
// handler in a plain Node http server, the client address stamped on each request.
import { createServer } from "node:http";
import next from "next";

process.env.NODE_ENV = "production";
const port = Number(process.env.PORT);
const hostname = "127.0.0.1";
const app = next({ dev: false, dir: import.meta.dirname, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  req.headers["x-gatehouse-client-ip"] = req.socket.remoteAddress ?? "unknown";
  handle(req, res);
});
server.listen(port, hostname, () => console.log(`> ceiling listening on http://${hostname}:${port}`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
