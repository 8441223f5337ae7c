import { getMailboxMessage, isMailboxEnabled } from "@/lib/email/mailbox";

// The HTML part of a mailbox message, framed by its page. proxy.ts gives this path a
// CSP of its own: inline styles (mail has nothing else), no scripts at all.
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const message = isMailboxEnabled() ? await getMailboxMessage(Number((await params).id)) : null;
  if (!message?.html) return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain" } });
  return new Response(linksOpenInTheTopWindow(message.html), {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

/**
 * The message's links open in the top window: inside the frame they would lead to pages
 * that refuse to be framed (frame-ancestors 'none'). A <base> with a target and no href,
 * which the preview's `base-uri 'none'` does not forbid.
 */
function linksOpenInTheTopWindow(html: string): string {
  const base = '<base target="_top">';
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => head + base) : base + html;
}
