import { pendingEmailChange, requestEmailChange, withdrawEmailChange } from "@/lib/account/email-change";
import { REAUTHENTICATION_REQUIRED, reauthenticationRequired } from "@/lib/api/second-factor";
import { MessageSchema, PendingEmailChangeSchema } from "@/lib/api-schemas";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { answer, json, noContent } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { EmailChangeSchema } from "@/lib/validation";

export const GET = apiRoute(
  {
    tag: "Accounts",
    summary: "The change of address waiting for its link",
    rateLimit: "api",
    auth: "bearer",
    answers: [answer(200, '`{"pending": {"email": ..., "expires_at": ...}}` or `{"pending": null}`.', PendingEmailChangeSchema)],
  },
  async ({ auth }) => json({ pending: await pendingEmailChange(auth.user.id) }),
);

export const POST = apiRoute(
  {
    tag: "Accounts",
    summary: "Ask to change the email address",
    description:
      "Needs a recent sign-in. The same 202 whatever the address: the new address gets a confirmation link (`/verify-email/?token=`, 24 hours), or, if it already has an account, only the notice of a registration attempt; the current address gets a masked notice with a link to `/email-change/cancel/?token=`. Nothing changes until the link is used. The new address's mail counts toward its hourly cap.",
    rateLimit: "email",
    auth: "bearer",
    body: EmailChangeSchema,
    answers: [answer(202, '`{"message": "If that address can be used, we sent a link to confirm it."}`', MessageSchema), REAUTHENTICATION_REQUIRED],
  },
  async ({ auth, body, client }) => {
    if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
    // The same answer whether the address has an account or its hourly cap is spent (lib/account/email-change.ts).
    await requestEmailChange({ user: auth.user, sessionId: auth.sessionId, newEmail: body.email, client });
    return json({ message: "If that address can be used, we sent a link to confirm it." }, { status: 202 });
  },
);

export const DELETE = apiRoute(
  {
    tag: "Accounts",
    summary: "Withdraw the pending change of address (its link stops working)",
    rateLimit: "api",
    auth: "bearer",
    answers: [answer(204, "Withdrawn (or there was none).")],
  },
  async ({ auth }) => {
    await withdrawEmailChange(auth.user.id);
    return noContent();
  },
);

export const { PUT, PATCH } = methodNotAllowed("GET", "HEAD", "POST", "DELETE");
