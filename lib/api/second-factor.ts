import "server-only";
import { DetailSchema, FieldErrorsSchema } from "@/lib/api-schemas";
import { answer, detail, fieldErrors, tooManyRequests } from "@/lib/http/answers";
export { REAUTHENTICATION_REQUIRED, reauthenticationRequired } from "@/lib/http/refusals";

// The answers of the second-factor and passkey routes (docs/api.md) that more than one
// route gives, and their declarations.

/**
 * What a route that checks a code declares (apiRoute's options): the `mfa` per-IP bucket,
 * and the account's lockout, which wrong codes and passwords share (docs/security.md).
 */
export const CHECKS_A_CODE = { rateLimit: "mfa", accountLockout: "after repeated wrong codes or passwords" } as const;

/** codeRefusal's 400, and what else the route refuses with 400. */
export const invalidCode = (more: string) =>
  answer(400, `\`{"code": ["Invalid code"]}\` (wrong, replayed or spent), other field errors, or ${more}.`, [FieldErrorsSchema, DetailSchema]);

/**
 * A second factor or a passkey is added only to an account whose address is proven: a
 * squatter's passkey (which signs in alone) must not wait for the owner's claim
 * (docs/security.md, account ownership). The claim removes any that exist anyway.
 */
export const secondFactorNeedsVerifiedEmail = () =>
  detail(403, "Confirm your email address first: two-step verification and passkeys come after it.", "email_not_verified");

/** A refused second-factor code (docs/api.md): `{"code": ["Invalid code"]}`, or 429 once the account is locked. */
export const codeRefusal = (result: { reason: "invalid_code" } | { reason: "locked"; retryAfter: number }) =>
  result.reason === "locked" ? tooManyRequests(result.retryAfter) : fieldErrors({ code: ["Invalid code"] });

/** 400 for an action on a second factor that is not on (or not set up). */
export const secondFactorOff = (message: string, code: "totp_not_enabled" | "totp_not_set_up") => detail(400, message, code);
