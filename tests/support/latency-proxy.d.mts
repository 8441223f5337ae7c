export type LatencyProxy = {
  /** The loopback port to connect to instead of the target's. */
  port: number;
  /** Connections open through the proxy now. */
  connections(): number;
  /** Change the delay for chunks that arrive from now on (order is kept). */
  setDelay(ms: number): void;
  stop(): Promise<void>;
};
/** A TCP proxy on 127.0.0.1 that delays every chunk by `delayMs` each way, in order. */
export function startLatencyProxy(options: { targetHost?: string; targetPort: number; delayMs: number; port?: number }): Promise<LatencyProxy>;
