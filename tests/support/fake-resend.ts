import { createServer, type IncomingMessage, type Server } from "node:http";
import { z } from "zod";

// A stand-in for Resend's API on loopback. Honest in what matters: it refuses a wrong or
// missing API key (401, as Resend does) and a body that is not a valid send request
// (422), and records only what it accepted. The app reaches it through the real Resend
// SDK, pointed here by RESEND_BASE_URL.
//
// Beyond Resend's API, for tests in another process (Playwright, through
// tests/support/fake-resend-cli.ts): `GET /messages?to=<address>` lists what was accepted
// for that address, oldest first (same API key required), and `GET /health` answers 200.

const SendSchema = z.object({
  from: z.string().min(3),
  to: z.union([z.email(), z.array(z.email()).min(1).max(50)]),
  subject: z.string().min(1),
  text: z.string().min(1),
  html: z.string().min(1),
});

export type ReceivedEmail = z.infer<typeof SendSchema> & { id: string; idempotencyKey: string | null; receivedAt: string };

export type FakeResend = {
  url: string;
  apiKey: string;
  messages: ReceivedEmail[];
  /**
   * The idempotency key of every send accepted, repeats included (a repeat is answered
   * like the first and not added to `messages`): what the app sent, not what Resend kept.
   */
  sendKeys: Array<string | null>;
  /** Requests refused (wrong key, bad body, forced failure), for assertions. */
  refusals: Array<{ status: number; reason: string }>;
  /** Answer the next `count` sends with this status instead of accepting them. */
  failNext(count: number, status?: number): void;
  waitForEmail(to: string, options?: { subject?: RegExp; timeoutMs?: number; after?: number }): Promise<ReceivedEmail>;
  stop(): Promise<void>;
};

const recipients = (to: string | string[]) => (Array.isArray(to) ? to : [to]).map((a) => a.toLowerCase());

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (data += c));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

export async function startFakeResend(
  apiKey = "re_test_" + Math.random().toString(36).slice(2),
  options: { port?: number } = {},
): Promise<FakeResend> {
  const messages: ReceivedEmail[] = [];
  const refusals: FakeResend["refusals"] = [];
  const sendKeys: Array<string | null> = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  const seenKeys = new Map<string, string>();

  const server: Server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const refuse = (status: number, name: string, message: string) => {
      refusals.push({ status, reason: name });
      reply(status, { statusCode: status, name, message });
    };
    const url = new URL(req.url ?? "/", "http://fake-resend");
    if (req.method === "GET" && url.pathname === "/health") return reply(200, { status: "ok" });
    if (req.method === "GET" && url.pathname === "/messages") {
      // Read by tests only; not recorded as a refusal of a send.
      if (req.headers.authorization !== `Bearer ${apiKey}`) return reply(401, { name: "invalid_api_key" });
      const to = url.searchParams.get("to")?.toLowerCase();
      return reply(200, { data: to ? messages.filter((m) => recipients(m.to).includes(to)) : messages });
    }
    if (req.method !== "POST" || url.pathname !== "/emails") return refuse(404, "not_found", "Not found");
    if (req.headers.authorization !== `Bearer ${apiKey}`) return refuse(401, "invalid_api_key", "API key is invalid");
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return refuse(400, "invalid_json", "Body is not JSON");
    }
    const parsed = SendSchema.safeParse(body);
    if (!parsed.success) return refuse(422, "validation_error", parsed.error.message);
    if (failures.count > 0) {
      failures.count -= 1;
      return refuse(failures.status, "application_error", "Forced failure");
    }
    const idempotencyKey = (req.headers["idempotency-key"] as string | undefined) ?? null;
    sendKeys.push(idempotencyKey);
    if (idempotencyKey && seenKeys.has(idempotencyKey)) return reply(200, { id: seenKeys.get(idempotencyKey) });
    const id = `fake-${messages.length + 1}`;
    if (idempotencyKey) seenKeys.set(idempotencyKey, id);
    messages.push({ ...parsed.data, id, idempotencyKey, receivedAt: new Date().toISOString() });
    reply(200, { id });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");

  return {
    url: `http://127.0.0.1:${address.port}`,
    apiKey,
    messages,
    sendKeys,
    refusals,
    failNext(count, status = 500) {
      failures = { count, status };
    },
    async waitForEmail(to, options = {}) {
      // Generous: only a busy machine makes a delivery take seconds.
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      const skip = options.after ?? 0;
      while (Date.now() < deadline) {
        const found = messages
          .slice(skip)
          .find((m) => recipients(m.to).includes(to.toLowerCase()) && (!options.subject || options.subject.test(m.subject)));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no email to ${to}${options.subject ? ` matching ${options.subject}` : ""} within ${options.timeoutMs ?? 30_000} ms; received: ${messages.map((m) => `${m.to} "${m.subject}"`).join(", ") || "none"}`);
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The first link in a message's text part that starts with `prefix`. */
export function linkIn(email: ReceivedEmail, prefix: string): string {
  const match = email.text.match(/https?:\/\/\S+/g)?.find((link) => link.startsWith(prefix));
  if (!match) throw new Error(`no link starting with ${prefix} in:\n${email.text}`);
  return match;
}
