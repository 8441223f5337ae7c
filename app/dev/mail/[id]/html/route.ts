import { getMailboxMessage, isMailboxEnabled } from "@/lib/email/mailbox";

// The HTML part of a mailbox message, framed by its page. proxy.ts gives this path a
// CSP of its own: inline styles (mail has nothing else), no scripts at all.
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const message = isMailboxEnabled() ? await getMailboxMessage(Number((await params).id)) : null;
  if (!message?.html) return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain" } });
  return new Response(message.html, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}
