import { eraseAccount } from "@/lib/account/erasure";
import { changeUsername } from "@/lib/account/username";
import { REAUTHENTICATION_REQUIRED, reauthenticationRequired } from "@/lib/api/second-factor";
import { FieldErrorsSchema, ProfileSchema } from "@/lib/api-schemas";
import { isRecentSignIn } from "@/lib/auth/reauth";
import { getProfile } from "@/lib/auth/user";
import { answer, detail, detailAnswer, fieldErrors, json, noContent, unauthorized } from "@/lib/http/answers";
import { clearRefreshCookie } from "@/lib/http/cookies";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { DeleteAccountSchema, ProfileUpdateSchema } from "@/lib/validation";

export const GET = apiRoute(
  {
    tag: "Accounts",
    summary: "The current user's profile",
    description: 'An administrator\'s profile adds `"is_admin": true`; everyone else\'s has exactly the seed\'s keys.',
    rateLimit: "api",
    auth: "bearer",
    answers: [answer(200, "The profile.", ProfileSchema)],
  },
  async ({ auth }) => json(await getProfile(auth.user)),
);

export const PATCH = apiRoute(
  {
    tag: "Accounts",
    summary: "Change the username",
    description: "Register's rules apply. Recorded as `username_changed`.",
    rateLimit: "api",
    auth: "bearer",
    body: ProfileUpdateSchema,
    answers: [
      answer(200, "The profile with the new username.", ProfileSchema),
      answer(400, '`{"username": ["A user with that username already exists."]}` and the other field errors.', FieldErrorsSchema),
    ],
  },
  async ({ auth, body, client }) => {
    const result = await changeUsername({ userId: auth.user.id, username: body.username, client });
    // "gone": erased by a request that raced this one, so the token's account is no more.
    if (!result.ok) return result.reason === "gone" ? unauthorized("invalid") : fieldErrors(result.errors);
    return json(await getProfile(result.user));
  },
);

export const DELETE = apiRoute(
  {
    tag: "Accounts",
    summary: "Erase the account and everything that refers to it",
    description:
      "Needs a recent sign-in and the account's email address typed again. One transaction; the refresh cookie is deleted, the access tokens stop at once, a goodbye email goes to the address, and the address and username are free again.",
    rateLimit: "api",
    auth: "bearer",
    body: DeleteAccountSchema,
    answers: [
      answer(204, "Erased; the refresh cookie is deleted.", [], ["Set-Cookie"]),
      answer(400, '`{"confirm": ["This is not your account\'s email address."]}`: nothing changes.', FieldErrorsSchema),
      REAUTHENTICATION_REQUIRED,
      detailAnswer(409, '`{"detail": ..., "code": "last_admin"}`: the last administrator who can act cannot be erased.'),
    ],
  },
  async ({ auth, body }) => {
    if (!(await isRecentSignIn(auth.sessionId))) return reauthenticationRequired();
    const result = await eraseAccount({ userId: auth.user.id, by: { kind: "owner", confirm: body.confirm } });
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
    return clearRefreshCookie(noContent());
  },
);

export const { POST, PUT } = methodNotAllowed("GET", "HEAD", "PATCH", "DELETE");
