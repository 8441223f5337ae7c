import { createServer, connect, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy.mjs";

// The delay proxy of the PostgreSQL benchmarks and concurrency tests (issue 23): every
// chunk arrives at least its delay late each way, and in the order it was sent.

let echo: Server | undefined;
let proxy: LatencyProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
});

async function echoServer(): Promise<number> {
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo!.listen(0, "127.0.0.1", resolve));
  return (echo.address() as { port: number }).port;
}

describe("latency proxy", () => {
  it("delays a round trip by twice its delay and keeps the order of many chunks, even when the delay changes", async () => {
    proxy = await startLatencyProxy({ targetPort: await echoServer(), delayMs: 20 });
    const socket = connect(proxy.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString()));

    const started = performance.now();
    socket.write("ping;");
    await expect.poll(() => received, { interval: 2 }).toBe("ping;");
    expect(performance.now() - started).toBeGreaterThanOrEqual(38);

    received = "";
    const sent = Array.from({ length: 200 }, (_, i) => `${i};`);
    for (const [i, part] of sent.entries()) {
      if (i === 100) proxy.setDelay(0);
      socket.write(part);
    }
    await expect.poll(() => received.length, { interval: 5 }).toBe(sent.join("").length);
    expect(received).toBe(sent.join(""));
    expect(proxy.connections()).toBe(1);
    socket.destroy();
  });
});
