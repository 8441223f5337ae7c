import { NextResponse } from "next/server";
import { pendingEmailChange, requestEmailChange, withdrawEmailChange } from "@/lib/account/email-change";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { apiRoute, deliverAfterResponse, json, methodNotAllowed, parseJsonBody, reauthenticationRequired, requestClient } from "@/lib/http";
import { EmailChangeSchema } from "@/lib/validation";

/** The change waiting for its link, for the profile: `{"pending": {"email", "expires_at"} | null}`. */
export const GET = apiRoute({ rateLimit: "api", auth: "bearer" }, async (_request, _context, auth) => {
  return json({ pending: await pendingEmailChange(auth.user.id) });
});

/**
 * Ask to change the address (docs/api.md): the same 202 whatever the address, whether it
 * has an account or its hourly cap is spent (lib/account/email-change.ts).
 */
export const POST = apiRoute({ rateLimit: "email", auth: "bearer" }, async (request, _context, auth) => {
  const input = await parseJsonBody(request, EmailChangeSchema);
  if (!input.ok) return input.response;
  if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
  const result = await requestEmailChange({ user: auth.user, sessionId: auth.sessionId, newEmail: input.data.email, client: requestClient(request) });
  for (const id of result.emailIds) deliverAfterResponse(id);
  return json({ message: "If that address can be used, we sent a link to confirm it." }, { status: 202 });
});

/** Withdraw the pending change from the profile: its link stops working. */
export const DELETE = apiRoute({ rateLimit: "api", auth: "bearer" }, async (_request, _context, auth) => {
  await withdrawEmailChange(auth.user.id);
  return new NextResponse(null, { status: 204 });
});

export const { PUT, PATCH } = methodNotAllowed("GET", "HEAD", "POST", "DELETE");
