import { z } from "zod";

// One schema per input, shared by the API routes and the forms that send them.
// Messages follow Django REST Framework's wording, which the seed's clients know.
// This module is imported by client components: nothing server-only here.

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
export const USERNAME_MAX_LENGTH = 150;
export const EMAIL_MAX_LENGTH = 254;

const REQUIRED = "This field is required.";

const requiredString = () =>
  z.string({ error: (issue) => (issue.input === undefined || issue.input === null ? REQUIRED : "Not a valid string.") });

/** Length in characters as people count them (code points), not UTF-16 units. */
export const characterCount = (value: string): number => [...value].length;

/** Trimmed, domain lower-cased (the local part is the owner's business). */
export function normalizeEmail(value: string): string {
  const trimmed = value.trim();
  const at = trimmed.lastIndexOf("@");
  return at < 0 ? trimmed : trimmed.slice(0, at) + trimmed.slice(at).toLowerCase();
}

export const EmailSchema = requiredString()
  .trim()
  .min(1, { error: REQUIRED, abort: true })
  .max(EMAIL_MAX_LENGTH, { error: `Ensure this field has no more than ${EMAIL_MAX_LENGTH} characters.` })
  .pipe(z.email({ error: "Enter a valid email address." }))
  .transform(normalizeEmail)
  .meta({ description: "A valid email address of at most 254 characters; stored trimmed with the domain lower-cased." });

export const UsernameSchema = requiredString()
  .trim()
  .min(1, { error: REQUIRED, abort: true })
  .max(USERNAME_MAX_LENGTH, { error: `Ensure this field has no more than ${USERNAME_MAX_LENGTH} characters.` })
  .regex(/^[\p{L}\p{N}_.@+-]+$/u, {
    error: "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
  })
  .meta({ description: "1 to 150 letters, digits and @ . + - _; unique without regard to case." });

/** A new password: NFKC-normalised, 8 to 128 characters, never truncated (docs/security.md). */
export const NewPasswordSchema = requiredString()
  .transform((value) => value.normalize("NFKC"))
  // Empty is a missing field, said as the other forms' empty fields say it.
  .refine((value) => value.length > 0, { error: REQUIRED, abort: true })
  .refine((value) => characterCount(value) >= PASSWORD_MIN_LENGTH, {
    error: `Ensure this field has at least ${PASSWORD_MIN_LENGTH} characters.`,
  })
  .refine((value) => characterCount(value) <= PASSWORD_MAX_LENGTH, {
    error: `Ensure this field has no more than ${PASSWORD_MAX_LENGTH} characters.`,
  })
  .meta({
    description:
      "8 to 128 characters (code points, after NFKC), any Unicode, never truncated. Refused when common, or equal to the username or email.",
  });

/**
 * A password offered at login: any non-empty string; the bound only stops absurd inputs.
 * Kept exactly as typed: the check normalises it to NFKC for Gatehouse's own hashes, and
 * tries both forms against a Django hash of an imported user, which Django made from the
 * password as typed (lib/auth/password.ts verifyPasswordHash).
 */
export const CurrentPasswordSchema = requiredString()
  .min(1, { error: REQUIRED })
  .max(4096, { error: "Ensure this field has no more than 4096 characters." })
  .meta({ description: "The account's current password." });

export const RegisterSchema = z.object({
  username: UsernameSchema,
  email: EmailSchema,
  password: NewPasswordSchema,
});
export type RegisterInput = z.infer<typeof RegisterSchema>;

export const LoginSchema = z.object({
  email: EmailSchema,
  password: CurrentPasswordSchema,
});
export type LoginInput = z.infer<typeof LoginSchema>;

export const ResendVerificationSchema = z.object({ email: EmailSchema });

/** Tokens in links are base64url of 32 random bytes; anything else is refused before any lookup. */
export const LinkTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{20,128}$/);

/** Field errors in the DRF shape: `{ field: [message, ...] }`. */
export type FieldErrors = Record<string, string[]>;

export function fieldErrorsFrom(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.length ? String(issue.path[0]) : "non_field_errors";
    (errors[field] ??= []).push(issue.message);
  }
  return errors;
}

export const PasswordResetRequestSchema = z.object({ email: EmailSchema });

/** The token of an emailed link, sent by the button of the page the link opens (docs/api.md, email links). */
export const LinkTokenRequestSchema = z.object({
  token: requiredString().meta({ description: "The `?token=` of the emailed link." }),
});

export const PasswordResetConfirmSchema = z.object({
  token: requiredString().meta({ description: "The token of the emailed link (`/reset-password/?token=`)." }),
  password: NewPasswordSchema,
});

export const PasswordChangeSchema = z.object({
  current_password: CurrentPasswordSchema,
  new_password: NewPasswordSchema,
});

export const OAUTH_CODE_MAX_LENGTH = 2048;

/** The body of `POST /api/auth/social/<provider>/` (docs/api.md, external client flow). */
export const CodeExchangeSchema = z.object({
  code: requiredString().min(1, { error: "This field may not be blank." }).max(OAUTH_CODE_MAX_LENGTH),
  // RFC 7636 §4.1: 43 to 128 unreserved characters.
  code_verifier: requiredString().regex(/^[A-Za-z0-9._~-]{43,128}$/, { error: "Enter a valid PKCE code verifier." }),
  // Optional: the seed's own frontend sends none (its backend took the URI from its
  // settings), and then the first entry of OAUTH_REDIRECT_URIS is meant (lib/auth/oauth/flow.ts).
  redirect_uri: z
    .string({ error: (issue) => (issue.input === null ? "This field may not be null." : "Not a valid string.") })
    .min(1, { error: "This field may not be blank." })
    .max(2048)
    .optional()
    .meta({
      description:
        "The app's own callback URL, or one listed in OAUTH_REDIRECT_URIS (exact match). Without it, the first entry of OAUTH_REDIRECT_URIS.",
    }),
});

/**
 * A code typed for the second factor: six digits from the app, or a recovery code. Any
 * short string passes here, so that every guess reaches the check and spends the
 * account's budget; the check says "Invalid code".
 */
export const SecondFactorCodeSchema = requiredString()
  .trim()
  .min(1, { error: REQUIRED })
  .max(64, { error: "Ensure this field has no more than 64 characters." })
  .meta({ description: "Six digits from the authenticator app, or (where accepted) a recovery code like `ABCD-EFGH-IJKL-MNOP`." });

export const MfaCodeSchema = z.object({ code: SecondFactorCodeSchema });

/** What @simplewebauthn/browser's startAuthentication() resolves to (AuthenticationResponseJSON). */
export const AuthenticationCredentialSchema = z
  .looseObject({
    id: z.string().max(1024),
    rawId: z.string().max(1024),
    type: z.literal("public-key"),
    response: z.looseObject({
      clientDataJSON: z.string().max(4096),
      authenticatorData: z.string().max(4096),
      signature: z.string().max(1024),
      userHandle: z.string().max(256).optional(),
    }),
    clientExtensionResults: z.record(z.string(), z.unknown()),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  })
  .meta({ description: "The assertion from navigator.credentials.get(), as @simplewebauthn/browser's startAuthentication() returns it." });

/** Exactly one of the fields of `keys` is present. */
const exactlyOne = (keys: string[]) => (input: Record<string, unknown>) => keys.filter((k) => input[k] !== undefined).length === 1;

/** Re-authentication inside a session: the password, a current code, or a passkey. */
export const ReauthenticateSchema = z
  .object({ password: CurrentPasswordSchema.optional(), code: SecondFactorCodeSchema.optional(), passkey: AuthenticationCredentialSchema.optional() })
  .refine(exactlyOne(["password", "code", "passkey"]), { error: "Send either your password, a code or a passkey." });

/** The second step of a sign-in: the token of the first, and a code, a recovery code or a passkey. */
export const MfaVerifySchema = z
  .object({
    mfa_token: requiredString().max(128, { error: "Ensure this field has no more than 128 characters." }).meta({ description: "From the `mfa_required` answer." }),
    code: SecondFactorCodeSchema.optional(),
    recovery_code: SecondFactorCodeSchema.optional(),
    passkey: AuthenticationCredentialSchema.optional(),
  })
  .refine(exactlyOne(["code", "recovery_code", "passkey"]), { error: "Send a code, a recovery code or a passkey." });

export const PasskeyLoginSchema = z.object({ response: AuthenticationCredentialSchema });

export const PASSKEY_NAME_MAX_LENGTH = 64;

export const PasskeyNameSchema = requiredString()
  .trim()
  .min(1, { error: REQUIRED })
  .max(PASSKEY_NAME_MAX_LENGTH, { error: `Ensure this field has no more than ${PASSKEY_NAME_MAX_LENGTH} characters.` })
  .meta({ description: "A name to recognise the passkey by (\"Work laptop\")." });

/** What @simplewebauthn/browser's startRegistration() resolves to (RegistrationResponseJSON). */
const RegistrationCredentialSchema = z.looseObject({
  id: z.string().max(1024),
  rawId: z.string().max(1024),
  type: z.literal("public-key"),
  response: z.looseObject({
    clientDataJSON: z.string().max(4096),
    attestationObject: z.string().max(8192),
    transports: z.array(z.string().max(32)).max(16).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
});

export const PasskeyRegisterSchema = z.object({
  name: PasskeyNameSchema,
  response: RegistrationCredentialSchema.meta({ description: "The credential from navigator.credentials.create(), as @simplewebauthn/browser's startRegistration() returns it." }),
});

// The account's own lifecycle and administration (docs/api.md).

/** PATCH /api/auth/me/: register's username rules. */
export const ProfileUpdateSchema = z.object({ username: UsernameSchema });

/** POST /api/auth/email/change/: the new address, under register's rules. */
export const EmailChangeSchema = z.object({ email: EmailSchema });

/** DELETE /api/auth/me/: the account's address, typed again (compared without regard to case). */
export const DeleteAccountSchema = z.object({
  confirm: requiredString()
    .trim()
    .min(1, { error: REQUIRED })
    .max(EMAIL_MAX_LENGTH, { error: `Ensure this field has no more than ${EMAIL_MAX_LENGTH} characters.` })
    .meta({ description: "The account's email address, typed by its owner to confirm." }),
});

export const ADMIN_REASON_MAX_LENGTH = 500;

const AdminReason = requiredString()
  .trim()
  .max(ADMIN_REASON_MAX_LENGTH, { error: `Ensure this field has no more than ${ADMIN_REASON_MAX_LENGTH} characters.` })
  .meta({ description: "Why, for the audit (GET /api/admin/audit/); never shown to the account's owner." });

/** The body of an administrator's action: a reason for the audit, optional. */
export const AdminActionSchema = z.object({ reason: AdminReason.optional() });

/** Disabling needs its reason (empty: said as every empty field is). */
export const AdminDisableSchema = z.object({ reason: AdminReason.min(1, { error: REQUIRED }) });

export const AdminRoleSchema = z.object({
  role: z.enum(["user", "admin"], { error: 'Must be "user" or "admin".' }),
  reason: AdminReason.optional(),
});

/** GET /api/auth/activity/'s query: all optional, so a client that does not page gets the last 50. */
export const ActivityQuerySchema = z
  .object({
    limit: z
      .string()
      .regex(/^\d{1,3}$/, { error: "A valid integer is required." })
      .transform(Number)
      .pipe(z.number().min(1, { error: "Ensure this value is greater than or equal to 1." }).max(50, { error: "Ensure this value is less than or equal to 50." }))
      .optional()
      .meta({ description: "How many events, 1 to 50 (default 50)." }),
    before: z.string().max(64).optional().meta({ description: "A cursor from a `Link` header: the events just older than it." }),
    after: z.string().max(64).optional().meta({ description: "A cursor from a `Link` header: the events just newer than it." }),
  })
  .refine((q) => !(q.before && q.after), { error: "Give before or after, not both.", path: ["non_field_errors"] });
