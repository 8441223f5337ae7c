import { NextResponse } from "next/server";
import { eraseAccount } from "@/lib/account/erasure";
import { changeUsername } from "@/lib/account/username";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { getProfile } from "@/lib/auth/user";
import {
  apiRoute,
  clearRefreshCookie,
  deliverAfterResponse,
  detail,
  fieldErrors,
  json,
  methodNotAllowed,
  parseJsonBody,
  reauthenticationRequired,
  requestClient,
  unauthorized,
} from "@/lib/http";
import { DeleteAccountSchema, ProfileUpdateSchema } from "@/lib/validation";

export const GET = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  return json(await getProfile(auth.user));
});

/** A new username (docs/api.md, the account's own lifecycle). */
export const PATCH = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  const input = await parseJsonBody(request, ProfileUpdateSchema);
  if (!input.ok) return input.response;
  const result = await changeUsername({ userId: auth.user.id, username: input.data.username, client: requestClient(request) });
  if (!result.ok) return result.reason === "gone" ? unauthorized("invalid") : fieldErrors(result.errors);
  return json(await getProfile(result.user));
});

/** Erase the account, its owner typing its address to confirm (lib/account/erasure.ts). */
export const DELETE = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  const input = await parseJsonBody(request, DeleteAccountSchema);
  if (!input.ok) return input.response;
  if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
  const result = await eraseAccount({ userId: auth.user.id, by: { kind: "owner", confirm: input.data.confirm } });
  if (!result.ok) {
    switch (result.reason) {
      case "confirmation_mismatch":
        return fieldErrors({ confirm: ["This is not your account's email address."] });
      case "last_admin":
        return detail(409, "You are the last administrator: make someone else an administrator before deleting your account.", "last_admin");
      case "not_found":
        // Erased by a request that raced this one: the token's account is gone.
        return unauthorized("invalid");
    }
  }
  deliverAfterResponse(result.emailId);
  return clearRefreshCookie(new NextResponse(null, { status: 204 }));
});

export const { POST, PUT } = methodNotAllowed("GET", "HEAD", "PATCH", "DELETE");
