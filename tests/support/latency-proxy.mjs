// A TCP proxy on loopback that delays every chunk by N ms each way, keeping order: a
// managed database "one or two milliseconds away" on one machine (issue 23). Plain
// JavaScript, so that both the test suite and `npm run bench` (plain Node) use it.
//
//   const proxy = await startLatencyProxy({ targetPort: 5432, delayMs: 1 });
//   // connect to 127.0.0.1:proxy.port instead; proxy.stop() when done
//
// Each direction of each connection is a queue: a chunk leaves `delayMs` after it arrived,
// never before the chunk ahead of it, so a delay changed mid-run (setDelay) keeps order.
// The end of a stream travels through the same queue, after its last chunk.
import { createConnection, createServer } from "node:net";

/**
 * @param {{ targetHost?: string, targetPort: number, delayMs: number, port?: number }} options
 * @returns {Promise<{ port: number, connections: () => number, setDelay: (ms: number) => void, stop: () => Promise<void> }>}
 */
export async function startLatencyProxy({ targetHost = "127.0.0.1", targetPort, delayMs, port = 0 }) {
  let delay = delayMs;
  const open = new Set();

  /** Forward `from` to `to`, each chunk (and the end) `delay` ms late, in order. */
  function pipeDelayed(from, to) {
    const queue = [];
    let timer = null;
    let lastDue = 0;
    const drain = () => {
      timer = null;
      const now = performance.now();
      while (queue.length && queue[0].due <= now) {
        const { chunk } = queue.shift();
        if (chunk === null) to.end();
        else if (!to.destroyed) to.write(chunk);
      }
      if (queue.length) timer = setTimeout(drain, Math.max(0, queue[0].due - performance.now()));
    };
    const push = (chunk) => {
      const due = Math.max(performance.now() + delay, lastDue);
      lastDue = due;
      queue.push({ chunk, due });
      if (!timer) timer = setTimeout(drain, Math.max(0, due - performance.now()));
    };
    from.on("data", (chunk) => push(chunk));
    from.on("end", () => push(null));
  }

  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = createConnection({ host: targetHost, port: targetPort });
    upstream.setNoDelay(true);
    open.add(client);
    open.add(upstream);
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", () => upstream.end());
    upstream.on("close", () => client.end());
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    connections: () => open.size / 2,
    setDelay: (ms) => void (delay = ms),
    stop: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
