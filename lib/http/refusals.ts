import "server-only";
import type { AdminRefusal } from "@/lib/admin/access";
import { envDefault } from "@/lib/env";
import { detail, detailAnswer } from "./answers";

// Refusals that apiRoute itself gives for what a route declares (an administrator's
// request, lib/http/route.ts) and that routes give too (a change needing a recent
// sign-in): here, below the routes' own answers (lib/api/), so that the plumbing needs
// nothing from above it.

/**
 * 403 for a sensitive change from a session whose sign-in is older than REAUTH_MAX_AGE
 * (docs/security.md, account ownership): the client re-authenticates
 * (POST /api/auth/reauthenticate/) and tries again.
 */
export const reauthenticationRequired = () =>
  detail(403, "Confirm it is you: enter your password or a code again.", "reauthentication_required");

/** reauthenticationRequired's 403. */
export const REAUTHENTICATION_REQUIRED = detailAnswer(
  403,
  `The session signed in longer ago than \`REAUTH_MAX_AGE\` (${envDefault("REAUTH_MAX_AGE") / 60} minutes) and has not re-authenticated since: \`{"detail": ..., "code": "reauthentication_required"}\`. \`POST /api/auth/reauthenticate/\`, then try again.`,
);

/** What apiRoute answers an administrator request it refuses (lib/admin/access.ts says why). */
export const ADMIN_REFUSED = detailAnswer(
  403,
  `Not an administrator: \`{"detail": "You do not have permission to perform this action."}\`; an administrator whose session used no second factor (a code, a recovery code or a passkey) at sign-in, or whose account has none any more (TOTP off, no passkey): \`{"detail": ..., "code": "admin_requires_second_factor"}\`; for a change (any method but GET), no sign-in or re-authentication with a code or a passkey within \`REAUTH_MAX_AGE\` (${envDefault("REAUTH_MAX_AGE") / 60} minutes; a password alone never counts here): \`{"detail": ..., "code": "reauthentication_required"}\`.`,
);

/** Why an administrator request was refused, in words. */
export function adminRefusal(reason: AdminRefusal) {
  switch (reason) {
    case "not_admin":
      return detail(403, "You do not have permission to perform this action.");
    case "second_factor_required":
      return detail(
        403,
        "Administration needs a sign-in with a second factor: turn on two-step verification or add a passkey on your profile, then sign in again with it.",
        "admin_requires_second_factor",
      );
    case "reauthentication_required":
      return reauthenticationRequired();
  }
}
