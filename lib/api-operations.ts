import { z } from "zod";
import * as Bodies from "./api-schemas";
import { SOCIAL_PROVIDERS } from "./social";
import {
  AdminActionSchema,
  AdminDisableSchema,
  AdminRoleSchema,
  CodeExchangeSchema,
  DeleteAccountSchema,
  EmailChangeSchema,
  ProfileUpdateSchema,
  LinkTokenRequestSchema,
  LoginSchema,
  MfaCodeSchema,
  MfaVerifySchema,
  PasskeyLoginSchema,
  PasskeyRegisterSchema,
  PasswordChangeSchema,
  PasswordResetConfirmSchema,
  PasswordResetRequestSchema,
  ReauthenticateSchema,
  RegisterSchema,
  ResendVerificationSchema,
} from "./validation";

// What each endpoint answers, as the OpenAPI document states it: one entry per path and
// method, with the statuses, bodies (named zod schemas) and headers of each answer.
// lib/openapi.ts assembles the document from this table. tests/unit/openapi.test.ts
// checks the entries against the route files; the integration suite checks every
// response it sees against them. Prose for each: docs/api.md.

export const REQUEST_SCHEMAS = {
  RegisterRequest: RegisterSchema,
  LoginRequest: LoginSchema,
  LinkTokenRequest: LinkTokenRequestSchema,
  ResendVerificationRequest: ResendVerificationSchema,
  PasswordResetRequest: PasswordResetRequestSchema,
  PasswordResetConfirmRequest: PasswordResetConfirmSchema,
  PasswordChangeRequest: PasswordChangeSchema,
  CodeExchangeRequest: CodeExchangeSchema,
  MfaCodeRequest: MfaCodeSchema,
  ReauthenticateRequest: ReauthenticateSchema,
  PasskeyRegisterRequest: PasskeyRegisterSchema,
  MfaVerifyRequest: MfaVerifySchema,
  PasskeyLoginRequest: PasskeyLoginSchema,
  ProfileUpdateRequest: ProfileUpdateSchema,
  EmailChangeRequest: EmailChangeSchema,
  DeleteAccountRequest: DeleteAccountSchema,
  AdminActionRequest: AdminActionSchema,
  AdminDisableRequest: AdminDisableSchema,
  AdminRoleRequest: AdminRoleSchema,
} satisfies Record<string, z.ZodType>;

export const RESPONSE_SCHEMAS = {
  Detail: Bodies.DetailSchema,
  FieldErrors: Bodies.FieldErrorsSchema,
  Message: Bodies.MessageSchema,
  PublicUser: Bodies.PublicUserSchema,
  Profile: Bodies.ProfileSchema,
  LoginResponse: Bodies.LoginResponseSchema,
  MfaRequired: Bodies.MfaRequiredSchema,
  AccessResponse: Bodies.AccessResponseSchema,
  VerificationLinkState: Bodies.VerificationLinkStateSchema,
  ResetLinkState: Bodies.ResetLinkStateSchema,
  SessionSummary: Bodies.SessionSummarySchema,
  SessionList: Bodies.SessionListSchema,
  RevokedCount: Bodies.RevokedCountSchema,
  AppAccessList: Bodies.AppAccessListSchema,
  Health: Bodies.HealthSchema,
  HealthUnavailable: Bodies.HealthUnavailableSchema,
  Jwks: Bodies.JwksSchema,
  MfaStatus: Bodies.MfaStatusSchema,
  TotpSetup: Bodies.TotpSetupSchema,
  RecoveryCodes: Bodies.RecoveryCodesSchema,
  PasskeySummary: Bodies.PasskeySummarySchema,
  PasskeyCreationOptions: Bodies.PasskeyCreationOptionsSchema,
  PasskeyRequestOptions: Bodies.PasskeyRequestOptionsSchema,
  ActivityItem: Bodies.ActivityItemSchema,
  ActivityList: Bodies.ActivityListSchema,
  OpenApiDocument: Bodies.OpenApiDocumentSchema,
  PendingEmailChange: Bodies.PendingEmailChangeSchema,
  AccountExport: Bodies.AccountExportSchema,
  AdminUser: Bodies.AdminUserSchema,
  AdminUserDetail: Bodies.AdminUserDetailSchema,
  AdminUserPage: Bodies.AdminUserPageSchema,
  AuditEntry: Bodies.AuditEntrySchema,
  AuditPage: Bodies.AuditPageSchema,
} satisfies Record<string, z.ZodType>;

export type SchemaName = keyof typeof REQUEST_SCHEMAS | keyof typeof RESPONSE_SCHEMAS;
export type JsonSchema = Record<string, unknown>;

export const ref = (name: SchemaName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

// Responses -----------------------------------------------------------------------

export type Header = "Retry-After" | "Set-Cookie" | "Location" | "WWW-Authenticate" | "Allow" | "Content-Disposition";
export type ResponseSpec = { description: string; body?: SchemaName[]; headers?: Header[] };
export type Responses = Record<number, ResponseSpec>;

export const HEADER_DESCRIPTIONS: Record<Header, string> = {
  "Retry-After": "Seconds to wait before trying again.",
  "Set-Cookie": "The refresh cookie (`refresh_token`, HttpOnly, SameSite=Lax, Path=/api/auth/) or its deletion (Max-Age=0).",
  Location: "Where the browser goes next.",
  "WWW-Authenticate": 'Bearer realm="api"',
  Allow: "The methods the path serves.",
  "Content-Disposition": '`attachment; filename="gatehouse-account-<id>-<date>.json"`: a download.',
};

export const detail = (description: string, headers?: Header[]): ResponseSpec => ({ description, body: ["Detail"], headers });

export const INTERNAL_ERROR: Responses = { 500: detail('`{"detail": "Internal server error"}`; the cause is logged with the request id.') };

/** What reading a JSON body can answer (lib/http.ts readJsonBody and parseInput). */
const JSON_BODY: Responses = {
  400: { description: 'Field errors, `non_field_errors` for a body that is not an object, or `{"detail": "Malformed JSON"}`.', body: ["FieldErrors", "Detail"] },
  413: detail("The body is over 16 KiB."),
  415: detail("A non-empty body that is not `application/json`."),
};

const BEARER: Responses = {
  401: detail(
    'No token: `{"detail": "Authentication credentials were not provided."}`; a bad, expired or revoked one: `{"detail": "Given token not valid for any token type", "code": "token_not_valid"}`.',
    ["WWW-Authenticate"],
  ),
};

const CROSS_SITE: Responses = {
  403: detail('A foreign `Origin` (or `Sec-Fetch-Site: cross-site`): `{"detail": "Cross-site request refused", "code": "csrf_failed"}`.'),
};

const BUSY: Responses = {
  503: detail('The password-hashing queue is full or the wait too long: `{"detail": "Server busy. Try again in N seconds."}`.', ["Retry-After"]),
};

const UNSUPPORTED_PROVIDER: Responses = { 404: detail('`{"detail": "Unsupported provider"}`: unknown or not configured.') };

type Limit = { variable: string; default: string };
const LIMITS = {
  login: { variable: "RATE_LIMIT_LOGIN_PER_IP", default: "20 per minute" },
  register: { variable: "RATE_LIMIT_REGISTER_PER_IP", default: "10 per hour" },
  email: { variable: "RATE_LIMIT_EMAIL_PER_IP", default: "10 per hour" },
  refresh: { variable: "RATE_LIMIT_REFRESH_PER_IP", default: "60 per minute" },
  api: { variable: "RATE_LIMIT_API_PER_IP", default: "300 per minute" },
} satisfies Record<string, Limit>;

const limited = (limit: Limit, more = ""): Responses => ({
  429: detail(`\`{"detail": "Too many requests. Try again in N seconds."}\`: per client IP, ${limit.default} (\`${limit.variable}\`)${more}.`, ["Retry-After"]),
});

// Operations ----------------------------------------------------------------------

export type Auth = "bearer" | "refreshCookie" | "stateCookie" | "optionalBearer";
type Parameter = { name: string; in: "query" | "path"; description: string; schema: z.ZodType; required?: boolean };

export type Operation = {
  summary: string;
  description?: string;
  tag: "Accounts" | "Sessions" | "Passwords" | "Second factor" | "Social login" | "Administration" | "Service";
  auth?: Auth;
  parameters?: Parameter[];
  body?: keyof typeof REQUEST_SCHEMAS;
  bodyOptional?: boolean;
  responses: Responses[];
};

const PROVIDER: Parameter = { name: "provider", in: "path", required: true, description: "A configured provider.", schema: z.enum(SOCIAL_PROVIDERS) };

const REAUTH: Responses = {
  403: detail(
    'The session signed in longer ago than `REAUTH_MAX_AGE` (10 minutes) and has not re-authenticated since: `{"detail": ..., "code": "reauthentication_required"}`. `POST /api/auth/reauthenticate/`, then try again.',
  ),
};

/** Where a sign-in completes (lib/auth/sign-in.ts): a session, or the second step still owed. */
const SIGNED_IN: Responses = {
  200: {
    description: 'The access token and the user, the refresh token in the cookie; or, when a second factor is still owed, `{"mfa_required": true, "mfa_token": ..., "methods": [...]}` with neither.',
    body: ["LoginResponse", "MfaRequired"],
    headers: ["Set-Cookie"],
  },
};

/** What completeSignIn refuses once the first step has passed (lib/auth/sign-in.ts). */
const NOT_VERIFIED: Responses = {
  403: detail(
    '`REQUIRE_VERIFIED_EMAIL=true` and the address is unverified: `{"detail": "Email not verified", "code": "email_not_verified"}`; or the account is disabled (said only after the right password, passkey or code): `{"detail": "This account is disabled.", "code": "account_disabled"}`.',
  ),
};

/** Endpoints that check a code: per IP in the `mfa` bucket, and the account's lockout. */
const CODE_LIMITED: Responses = {
  429: detail(
    '`{"detail": "Too many requests. Try again in N seconds."}`: per client IP (the `mfa` bucket, `RATE_LIMIT_LOGIN_PER_IP` a minute), or the account is locked after repeated wrong codes or passwords (`RATE_LIMIT_LOGIN_FAILURES`).',
    ["Retry-After"],
  ),
};

const INVALID_CODE = (more: string): Responses => ({
  400: { description: `\`{"code": ["Invalid code"]}\` (wrong, replayed or spent), other field errors, or ${more}.`, body: ["FieldErrors", "Detail"] },
});

const ok = (status: number, description: string, body?: SchemaName, headers?: Header[]): Responses => ({
  [status]: { description, body: body ? [body] : undefined, headers },
});

/** What every administrator request answers besides its own (lib/admin/access.ts); `change` for anything but GET. */
const ADMIN = (change: boolean): Responses[] => [
  BEARER,
  {
    403: detail(
      `Not an administrator: \`{"detail": "You do not have permission to perform this action."}\`; an administrator whose session did not use a second factor or a passkey at sign-in: \`{"detail": ..., "code": "admin_requires_second_factor"}\`${change ? '; a sign-in older than `REAUTH_MAX_AGE`: `{"detail": ..., "code": "reauthentication_required"}`' : ""}.`,
    ),
  },
  limited(LIMITS.api),
];

const USER_ID: Parameter = { name: "id", in: "path", required: true, description: "The account's id.", schema: z.string() };
const NOT_FOUND: Responses = { 404: detail('`{"detail": "Not found."}`: no account with that id.') };
const LAST_ADMIN: Responses = { 409: detail('`{"detail": ..., "code": "last_admin"}`: it would leave no administrator who can act.') };

export const OPERATIONS: Record<string, Partial<Record<"get" | "post" | "patch" | "delete", Operation>>> = {
  "/api/auth/register/": {
    post: {
      tag: "Accounts",
      summary: "Create an account and send the verification email",
      description:
        "The same 201 when the email already has an account: no account is made, and the address gets a notice (a password-reset link that claims the account, if it is unverified).",
      body: "RegisterRequest",
      responses: [ok(201, '`{"message": "Registered. Please verify email."}`', "Message"), JSON_BODY, limited(LIMITS.register), BUSY],
    },
  },
  "/api/auth/verify-email/": {
    get: {
      tag: "Accounts",
      summary: "Confirm an email address with the emailed token",
      parameters: [{ name: "token", in: "query", description: "The token of the emailed link.", schema: z.string() }],
      responses: [
        ok(200, '`{"message": "Email verified"}`', "Message"),
        { 400: detail('`{"detail": "Invalid or expired token"}`: missing, malformed, unknown, expired or used.') },
        limited(LIMITS.api),
      ],
    },
    post: {
      tag: "Accounts",
      summary: "Verify with the token of an emailed link: the button of the page the link opens",
      description:
        "As the GET, but a link used before, or whose address is verified anyway (another link, a reset), answers 200 too: a second click, a reload or a mail scanner that opened the link first never ends in \"this link does not work\".",
      body: "LinkTokenRequest",
      responses: [
        ok(200, '`{"message": "Email verified"}`: verified now, or already.', "Message"),
        JSON_BODY,
        { 400: { description: 'Field errors, or `{"detail": "Invalid or expired token"}`: unknown, malformed, or unused and expired with the address unverified.', body: ["FieldErrors", "Detail"] } },
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/verify-email/check/": {
    post: {
      tag: "Accounts",
      summary: "What an emailed verification link would do, changing nothing",
      description: "For the page the link opens, before its button is pressed (mail scanners open links too).",
      body: "LinkTokenRequest",
      responses: [
        ok(200, '`{"state": "ready"}` (the button verifies) or `{"state": "verified"}` (the address is verified already).', "VerificationLinkState"),
        JSON_BODY,
        { 400: { description: 'Field errors, or `{"detail": "Invalid or expired token"}`.', body: ["FieldErrors", "Detail"] } },
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/password/reset/check/": {
    post: {
      tag: "Passwords",
      summary: "Whether a reset (or claim) link still works, changing nothing",
      description: "For the page the link opens, so a used or expired link says so before anyone types a new password.",
      body: "LinkTokenRequest",
      responses: [
        ok(200, '`{"state": "ready"}`', "ResetLinkState"),
        JSON_BODY,
        {
          400: {
            description:
              'Field errors; `{"detail": ..., "code": "used"}` (used, or replaced by a newer link), `{"detail": ..., "code": "expired"}`, or `{"detail": "Invalid or expired token"}`.',
            body: ["FieldErrors", "Detail"],
          },
        },
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/verify-email/resend/": {
    post: {
      tag: "Accounts",
      summary: "Send a fresh verification email",
      description: "With a Bearer token the body is ignored and the token's user is meant; otherwise `{\"email\": ...}`.",
      auth: "optionalBearer",
      body: "ResendVerificationRequest",
      bodyOptional: true,
      responses: [
        ok(202, '`{"message": "If that account exists and is not verified, we sent a new email."}` whatever the account.', "Message"),
        JSON_BODY,
        BEARER,
        limited(LIMITS.email),
      ],
    },
  },
  "/api/auth/login/": {
    post: {
      tag: "Accounts",
      summary: "Sign in with email and password: access token and refresh cookie",
      body: "LoginRequest",
      description:
        'With two-step verification on, the right password answers `{"mfa_required": true, "mfa_token": ..., "methods": [...]}` with no token and no cookie: send the second step to POST /api/auth/mfa/verify/.',
      responses: [
        SIGNED_IN,
        JSON_BODY,
        { 400: { description: '`{"non_field_errors": ["Invalid credentials"]}`: unknown email, wrong password, or no password.', body: ["FieldErrors"] } },
        NOT_VERIFIED,
        limited(LIMITS.login, ", or the account is locked after repeated failures (`RATE_LIMIT_LOGIN_FAILURES`)"),
        BUSY,
      ],
    },
  },
  "/api/auth/token/refresh/": {
    post: {
      tag: "Sessions",
      summary: "Rotate the refresh cookie and get a new access token",
      description: "Within 30 seconds of a rotation the old token answers 200 without a Set-Cookie; later, it revokes the whole session.",
      auth: "refreshCookie",
      responses: [
        ok(200, "A new access token, and the rotated refresh cookie (none inside the grace window).", "AccessResponse", ["Set-Cookie"]),
        { 400: detail('`{"detail": "No refresh token"}`') },
        { 401: detail('`{"detail": "Invalid refresh token", "code": "token_not_valid"}`; the cookie is deleted.', ["Set-Cookie"]) },
        CROSS_SITE,
        limited(LIMITS.refresh),
      ],
    },
  },
  "/api/auth/me/": {
    get: {
      tag: "Accounts",
      summary: "The current user's profile",
      description: 'An administrator\'s profile adds `"is_admin": true`; everyone else\'s has exactly the seed\'s keys.',
      auth: "bearer",
      responses: [ok(200, "The profile.", "Profile"), BEARER, limited(LIMITS.api)],
    },
    patch: {
      tag: "Accounts",
      summary: "Change the username",
      description: "Register's rules apply. Recorded as `username_changed`.",
      auth: "bearer",
      body: "ProfileUpdateRequest",
      responses: [
        ok(200, "The profile with the new username.", "Profile"),
        JSON_BODY,
        { 400: { description: '`{"username": ["A user with that username already exists."]}` and the other field errors.', body: ["FieldErrors"] } },
        BEARER,
        limited(LIMITS.api),
      ],
    },
    delete: {
      tag: "Accounts",
      summary: "Erase the account and everything that refers to it",
      description:
        "Needs a recent sign-in and the account's email address typed again. One transaction; the refresh cookie is deleted, the access tokens stop at once, a goodbye email goes to the address, and the address and username are free again.",
      auth: "bearer",
      body: "DeleteAccountRequest",
      responses: [
        ok(204, "Erased; the refresh cookie is deleted.", undefined, ["Set-Cookie"]),
        JSON_BODY,
        { 400: { description: '`{"confirm": ["This is not your account\'s email address."]}`: nothing changes.', body: ["FieldErrors"] } },
        BEARER,
        REAUTH,
        { 409: detail('`{"detail": ..., "code": "last_admin"}`: the last administrator cannot be erased.') },
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/me/export/": {
    get: {
      tag: "Accounts",
      summary: "Download everything stored about the user",
      description: "No password hash, token hash, TOTP secret or recovery code. `Content-Disposition: attachment`.",
      auth: "bearer",
      responses: [ok(200, "The account's data.", "AccountExport", ["Content-Disposition"]), BEARER, limited(LIMITS.api)],
    },
  },
  "/api/auth/email/change/": {
    get: {
      tag: "Accounts",
      summary: "The change of address waiting for its link",
      auth: "bearer",
      responses: [ok(200, '`{"pending": {"email": ..., "expires_at": ...}}` or `{"pending": null}`.', "PendingEmailChange"), BEARER, limited(LIMITS.api)],
    },
    post: {
      tag: "Accounts",
      summary: "Ask to change the email address",
      description:
        "Needs a recent sign-in. The same 202 whatever the address: the new address gets a confirmation link (`/verify-email/?token=`, 24 hours), or, if it already has an account, only the notice of a registration attempt; the current address gets a masked notice with a link to `/email-change/cancel/?token=`. Nothing changes until the link is used. Both mails count toward the new address's hourly cap.",
      auth: "bearer",
      body: "EmailChangeRequest",
      responses: [
        ok(202, '`{"message": "If that address can be used, we sent a link to confirm it."}`', "Message"),
        JSON_BODY,
        BEARER,
        REAUTH,
        limited(LIMITS.email),
      ],
    },
    delete: {
      tag: "Accounts",
      summary: "Withdraw the pending change of address (its link stops working)",
      auth: "bearer",
      responses: [ok(204, "Withdrawn (or there was none)."), BEARER, limited(LIMITS.api)],
    },
  },
  "/api/auth/email/change/cancel/": {
    post: {
      tag: "Accounts",
      summary: "The old address's \"this wasn't me\": cancel (or undo) the change and end every session",
      description: "The button of `/email-change/cancel/?token=`. A change already confirmed is undone when the account still has the new address and nobody took the old one.",
      body: "LinkTokenRequest",
      responses: [ok(200, "Cancelled or undone; every session ended.", "Message"), JSON_BODY, { 400: detail('`{"detail": "Invalid or expired token"}`') }, limited(LIMITS.api)],
    },
  },
  "/api/auth/logout/": {
    post: {
      tag: "Sessions",
      summary: "End the session and delete the refresh cookie",
      description: "Always 200: the session of the refresh cookie (or else of the Bearer token) is revoked if there is one.",
      responses: [ok(200, '`{"detail": "Logged out"}`', "Detail", ["Set-Cookie"]), CROSS_SITE, limited(LIMITS.api)],
    },
  },
  "/api/auth/social/{provider}/": {
    get: {
      tag: "Social login",
      summary: "Start social sign-in in the browser (redirect to the provider)",
      parameters: [
        PROVIDER,
        { name: "next", in: "query", description: "A same-origin path to land on; anything else means `/profile/`.", schema: z.string() },
        { name: "intent", in: "query", description: "`link`: link the provider to the signed-in user (refresh cookie).", schema: z.enum(["link"]) },
      ],
      responses: [
        ok(302, "To the provider's authorization URL with the state cookie, or to `/login/?error=not_signed_in` for a link without a session.", undefined, ["Location", "Set-Cookie"]),
        UNSUPPORTED_PROVIDER,
        limited(LIMITS.api),
      ],
    },
    post: {
      tag: "Social login",
      summary: "Exchange a code that an external client obtained with PKCE",
      body: "CodeExchangeRequest",
      parameters: [PROVIDER],
      responses: [
        SIGNED_IN,
        JSON_BODY,
        {
          400: {
            description:
              '`{"detail": "Code exchange failed"}`, `{"detail": "Failed to fetch user from provider"}`, `{"detail": ..., "code": "account_exists" | "email_required" | "provider_account_mismatch" | "credentials_changed"}` (`credentials_changed`: the password or second factor changed during the sign-in; start again), or `{"redirect_uri": ["This redirect URI is not allowed."]}`.',
            body: ["Detail", "FieldErrors"],
          },
        },
        { 403: detail('`REQUIRE_VERIFIED_EMAIL=true` and the account is unverified (`"code": "email_not_verified"`), or the account is disabled (`"code": "account_disabled"`).') },
        UNSUPPORTED_PROVIDER,
        limited(LIMITS.login),
      ],
    },
    delete: {
      tag: "Social login",
      summary: "Unlink the provider from the current user",
      auth: "bearer",
      parameters: [PROVIDER],
      responses: [
        ok(200, "The updated profile.", "Profile"),
        { 400: detail('`{"detail": "Cannot remove the last sign-in method", "code": "last_sign_in_method"}`') },
        BEARER,
        { 404: detail('`{"detail": "Unsupported provider"}`, or `{"detail": "Provider not linked", "code": "not_linked"}`.') },
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/social/{provider}/callback/": {
    get: {
      tag: "Social login",
      summary: "Finish social sign-in (the provider sends the browser here)",
      auth: "stateCookie",
      parameters: [
        PROVIDER,
        { name: "code", in: "query", description: "The provider's authorization code.", schema: z.string() },
        { name: "state", in: "query", description: "Must match the state cookie.", schema: z.string() },
        { name: "error", in: "query", description: "Set by the provider when sign-in did not happen.", schema: z.string() },
      ],
      responses: [
        ok(302, "To `next` (with the refresh cookie), or to `/login/?error=<code>` (`/profile/?error=<code>` for a link). The state cookie is deleted.", undefined, ["Location", "Set-Cookie"]),
        { 404: detail('`{"detail": "Unsupported provider"}`; the state cookie is deleted.', ["Set-Cookie"]) },
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/password/reset/": {
    post: {
      tag: "Passwords",
      summary: "Email a password-reset link",
      body: "PasswordResetRequest",
      responses: [
        ok(202, '`{"message": "If that account exists, we sent a link to reset its password."}` whatever the account.', "Message"),
        JSON_BODY,
        limited(LIMITS.email),
      ],
    },
  },
  "/api/auth/password/reset/confirm/": {
    post: {
      tag: "Passwords",
      summary: "Set a new password with the emailed token",
      description: "Ends every session, verifies the address and lifts its login lockout; does not sign in.",
      body: "PasswordResetConfirmRequest",
      responses: [
        ok(200, '`{"message": "Password updated"}`', "Message"),
        JSON_BODY,
        { 400: { description: 'Password field errors, or `{"detail": "Invalid or expired token"}`.', body: ["FieldErrors", "Detail"] } },
        limited(LIMITS.api),
        BUSY,
      ],
    },
  },
  "/api/auth/password/change/": {
    post: {
      tag: "Passwords",
      summary: "Change the password, knowing the current one",
      description: "Keeps the current session and ends the others. Wrong current passwords count toward the account's login lockout.",
      auth: "bearer",
      body: "PasswordChangeRequest",
      responses: [
        ok(200, '`{"message": "Password updated"}`', "Message"),
        JSON_BODY,
        { 400: { description: '`{"current_password": ["Incorrect password"]}` or `new_password` field errors.', body: ["FieldErrors"] } },
        BEARER,
        {
          429: detail(
            '`{"detail": "Too many requests. Try again in N seconds."}`: per client IP, in a bucket of its own (not login\'s), or the account is locked after repeated wrong passwords.',
            ["Retry-After"],
          ),
        },
        BUSY,
      ],
    },
  },
  "/api/auth/sessions/": {
    get: {
      tag: "Sessions",
      summary: "The user's live sessions, newest first",
      auth: "bearer",
      responses: [ok(200, "The sessions.", "SessionList"), BEARER, limited(LIMITS.api)],
    },
  },
  "/api/auth/sessions/{id}/": {
    delete: {
      tag: "Sessions",
      summary: "End one of the user's sessions",
      auth: "bearer",
      parameters: [{ name: "id", in: "path", required: true, description: "A session id from the list.", schema: z.string() }],
      responses: [
        ok(204, "Ended; for the current session the refresh cookie is deleted too.", undefined, ["Set-Cookie"]),
        BEARER,
        { 404: detail('`{"detail": "Not found."}`: not a live session of this user.') },
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/sessions/revoke-others/": {
    post: {
      tag: "Sessions",
      summary: "End every session but the current one",
      auth: "bearer",
      responses: [ok(200, '`{"revoked": N}`', "RevokedCount"), BEARER, limited(LIMITS.api)],
    },
  },
  "/api/auth/apps/": {
    get: {
      tag: "Sessions",
      summary: "Apps with access: the apps that signed the user in through Gatehouse (OpenID Connect)",
      auth: "bearer",
      responses: [ok(200, "The apps, by name.", "AppAccessList"), BEARER, limited(LIMITS.api)],
    },
  },
  "/api/auth/apps/{client_id}/": {
    delete: {
      tag: "Sessions",
      summary: "Take an app's access back: its remembered consent, grants, refresh and access tokens end at once",
      auth: "bearer",
      parameters: [{ name: "client_id", in: "path", required: true, description: "The app's client_id from the list.", schema: z.string() }],
      responses: [ok(204, "Revoked."), BEARER, { 404: detail('`{"detail": "Not found."}`: the app has no access to this account.') }, limited(LIMITS.api)],
    },
  },
  "/api/auth/reauthenticate/": {
    post: {
      tag: "Sessions",
      summary: "Prove who you are again inside this session (for sensitive changes)",
      description:
        "`{\"password\": ...}`, with two-step verification on `{\"code\": \"123456\"}`, or `{\"passkey\": <assertion>}` (one of the user's passkeys, to the options of POST /api/auth/passkeys/login/options/). The session then counts as a recent sign-in for `REAUTH_MAX_AGE`. With two-step verification on, only a code or a passkey counts (the strongest factor the account has). Wrong answers count toward the account's lockout.",
      auth: "bearer",
      body: "ReauthenticateRequest",
      responses: [
        ok(200, '`{"message": "Identity confirmed"}`', "Message"),
        JSON_BODY,
        {
          400: {
            description:
              '`{"password": ["Incorrect password"]}`, `{"code": ["Invalid code"]}`, `non_field_errors` when neither or both are sent, or `{"detail": ..., "code": "no_password" | "totp_not_enabled" | "second_factor_required" | "passkey_verification_failed"}` (`second_factor_required`: with two-step verification on, the password alone does not confirm it; send a code or a passkey).',
            body: ["FieldErrors", "Detail"],
          },
        },
        BEARER,
        CODE_LIMITED,
        BUSY,
      ],
    },
  },
  "/api/auth/mfa/verify/": {
    post: {
      tag: "Second factor",
      summary: "The second step of a sign-in: a code, a recovery code or a passkey",
      description:
        'The `mfa_token` of the `mfa_required` answer with one of `code`, `recovery_code` or `passkey` (an assertion to the options of POST /api/auth/passkeys/login/options/). A wrong code leaves the token usable until it expires; the first step that passes spends it. A TOTP code is accepted once; a recovery code used sends a notice email. Wrong codes count toward the account lockout.',
      body: "MfaVerifyRequest",
      responses: [
        ok(200, "The login body; the refresh token is in the cookie.", "LoginResponse", ["Set-Cookie"]),
        JSON_BODY,
        {
          400: {
            description:
              '`{"code": ["Invalid code"]}`; `{"detail": "Invalid or expired token"}` for a spent, expired or unknown `mfa_token`; `{"detail": ..., "code": "passkey_verification_failed"}`; other field errors.',
            body: ["FieldErrors", "Detail"],
          },
        },
        NOT_VERIFIED,
        CODE_LIMITED,
      ],
    },
  },
  "/api/auth/passkeys/login/options/": {
    post: {
      tag: "Second factor",
      summary: "Options for signing in with a passkey (navigator.credentials.get), also for autofill",
      description: "Any discoverable credential, user verification required; the challenge is single use and valid 5 minutes.",
      responses: [ok(200, "PublicKeyCredentialRequestOptionsJSON.", "PasskeyRequestOptions"), limited(LIMITS.api)],
    },
  },
  "/api/auth/passkeys/login/": {
    post: {
      tag: "Second factor",
      summary: "Sign in with a passkey: both factors at once",
      description: "The assertion to the options above. A passkey verifies the user, so no code follows; the login event says `passkey`.",
      body: "PasskeyLoginRequest",
      responses: [
        ok(200, "The login body; the refresh token is in the cookie.", "LoginResponse", ["Set-Cookie"]),
        JSON_BODY,
        {
          400: {
            description: 'Field errors, or `{"detail": ..., "code": "invalid_challenge" | "passkey_verification_failed"}` (an unknown passkey answers the same as a bad signature).',
            body: ["FieldErrors", "Detail"],
          },
        },
        NOT_VERIFIED,
        limited(LIMITS.login),
      ],
    },
  },
  "/api/auth/mfa/": {
    get: {
      tag: "Second factor",
      summary: "Second-factor state and passkeys",
      auth: "bearer",
      responses: [ok(200, "Whether the account has a password and TOTP, how many recovery codes are left, and its passkeys.", "MfaStatus"), BEARER, limited(LIMITS.api)],
    },
  },
  "/api/auth/mfa/totp/setup/": {
    post: {
      tag: "Second factor",
      summary: "Start turning on TOTP: a new secret (nothing is on until confirmed)",
      description: "A new setup replaces an unconfirmed one. Needs a recent sign-in.",
      auth: "bearer",
      responses: [
        ok(200, "The secret and its `otpauth://` URI.", "TotpSetup"),
        { 400: detail('`{"detail": "Two-step verification is already on.", "code": "totp_already_enabled"}`') },
        BEARER,
        REAUTH,
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/mfa/totp/confirm/": {
    post: {
      tag: "Second factor",
      summary: "Confirm TOTP with a first code: it is on, and ten recovery codes are shown once",
      description: "The user gets a notice email.",
      auth: "bearer",
      body: "MfaCodeRequest",
      responses: [
        ok(200, "Ten recovery codes.", "RecoveryCodes"),
        JSON_BODY,
        INVALID_CODE('`{"detail": ..., "code": "totp_not_set_up"}` without a setup'),
        BEARER,
        CODE_LIMITED,
      ],
    },
  },
  "/api/auth/mfa/totp/": {
    delete: {
      tag: "Second factor",
      summary: "Turn TOTP off with a current code or a recovery code",
      description: "The recovery codes are deleted too; the user gets a notice email.",
      auth: "bearer",
      body: "MfaCodeRequest",
      responses: [ok(204, "Off."), JSON_BODY, INVALID_CODE('`{"detail": ..., "code": "totp_not_enabled"}`'), BEARER, CODE_LIMITED],
    },
  },
  "/api/auth/mfa/recovery-codes/": {
    post: {
      tag: "Second factor",
      summary: "Ten new recovery codes for a current TOTP code; the old ones stop working",
      auth: "bearer",
      body: "MfaCodeRequest",
      responses: [ok(200, "Ten recovery codes.", "RecoveryCodes"), JSON_BODY, INVALID_CODE('`{"detail": ..., "code": "totp_not_enabled"}`'), BEARER, CODE_LIMITED],
    },
  },
  "/api/auth/passkeys/register/options/": {
    post: {
      tag: "Second factor",
      summary: "Options for creating a passkey (navigator.credentials.create)",
      description: "A discoverable credential with user verification; the challenge is single use and valid 5 minutes. Needs a recent sign-in.",
      auth: "bearer",
      responses: [ok(200, "PublicKeyCredentialCreationOptionsJSON.", "PasskeyCreationOptions"), BEARER, REAUTH, limited(LIMITS.api)],
    },
  },
  "/api/auth/passkeys/register/": {
    post: {
      tag: "Second factor",
      summary: "Add a passkey: the browser's answer to the options, and a name",
      description: "Needs a recent sign-in; the user gets a notice email.",
      auth: "bearer",
      body: "PasskeyRegisterRequest",
      responses: [
        ok(201, "The new passkey.", "PasskeySummary"),
        JSON_BODY,
        {
          400: {
            description: 'Field errors, or `{"detail": ..., "code": "invalid_challenge" | "passkey_verification_failed" | "passkey_already_registered"}`.',
            body: ["FieldErrors", "Detail"],
          },
        },
        BEARER,
        REAUTH,
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/passkeys/{id}/": {
    delete: {
      tag: "Second factor",
      summary: "Remove one of the user's passkeys",
      auth: "bearer",
      parameters: [{ name: "id", in: "path", required: true, description: "A passkey id from GET /api/auth/mfa/.", schema: z.string() }],
      responses: [
        ok(204, "Removed."),
        { 400: detail('`{"detail": "Cannot remove the last sign-in method", "code": "last_sign_in_method"}`: no password, no provider, no other passkey.') },
        BEARER,
        { 404: detail('`{"detail": "Not found."}`: not a passkey of this user.') },
        limited(LIMITS.api),
      ],
    },
  },
  "/api/auth/activity/": {
    get: {
      tag: "Accounts",
      summary: "The user's last 50 security events, newest first (kept 90 days)",
      auth: "bearer",
      responses: [ok(200, "The events.", "ActivityList"), BEARER, limited(LIMITS.api)],
    },
  },
  "/api/health/": {
    get: {
      tag: "Service",
      summary: "Liveness for load balancers (never rate limited)",
      responses: [ok(200, '`{"status": "ok"}`', "Health"), ok(503, '`{"status": "unavailable"}`: the database does not answer; `{"status": "draining"}`: the instance is shutting down.', "HealthUnavailable")],
    },
  },
  "/.well-known/jwks.json": {
    get: {
      tag: "Service",
      summary: "Public keys that verify access tokens (cacheable for 5 minutes)",
      responses: [ok(200, "The key set.", "Jwks")],
    },
  },
  "/api/openapi.json": {
    get: {
      tag: "Service",
      summary: "This document",
      responses: [ok(200, "The OpenAPI 3.1 document.", "OpenApiDocument")],
    },
  },
  "/api/admin/users/": {
    get: {
      tag: "Administration",
      summary: "The accounts, newest first, in pages",
      description: "`q` matches the username or the email, without regard to case, anywhere in it.",
      auth: "bearer",
      parameters: [
        { name: "q", in: "query", description: "A part of a username or email address.", schema: z.string() },
        { name: "page", in: "query", description: "From 1 (`last` for the last page).", schema: z.string() },
        { name: "page_size", in: "query", description: "25 by default; larger values are clamped to 100.", schema: z.string() },
      ],
      responses: [ok(200, "One page.", "AdminUserPage"), { 404: detail('`{"detail": "Invalid page."}`') }, ...ADMIN(false)],
    },
  },
  "/api/admin/users/{id}/": {
    get: {
      tag: "Administration",
      summary: "One account, with its live sessions and its last 50 security events",
      auth: "bearer",
      parameters: [USER_ID],
      responses: [ok(200, "The account.", "AdminUserDetail"), NOT_FOUND, ...ADMIN(false)],
    },
    delete: {
      tag: "Administration",
      summary: "Erase the account (the same erasure as DELETE /api/auth/me/)",
      auth: "bearer",
      parameters: [USER_ID],
      body: "AdminActionRequest",
      bodyOptional: true,
      responses: [ok(204, "Erased.", undefined, ["Set-Cookie"]), JSON_BODY, NOT_FOUND, LAST_ADMIN, ...ADMIN(true)],
    },
  },
  "/api/admin/users/{id}/disable/": {
    post: {
      tag: "Administration",
      summary: "Disable the account: no sign-in by any method, every session ended at once",
      auth: "bearer",
      parameters: [USER_ID],
      body: "AdminDisableRequest",
      responses: [ok(200, "The account.", "AdminUser"), JSON_BODY, NOT_FOUND, LAST_ADMIN, ...ADMIN(true)],
    },
  },
  "/api/admin/users/{id}/enable/": {
    post: {
      tag: "Administration",
      summary: "Let a disabled account sign in again",
      auth: "bearer",
      parameters: [USER_ID],
      body: "AdminActionRequest",
      bodyOptional: true,
      responses: [ok(200, "The account.", "AdminUser"), JSON_BODY, NOT_FOUND, ...ADMIN(true)],
    },
  },
  "/api/admin/users/{id}/sessions/revoke/": {
    post: {
      tag: "Administration",
      summary: "End every session of the account",
      auth: "bearer",
      parameters: [USER_ID],
      body: "AdminActionRequest",
      bodyOptional: true,
      responses: [ok(200, '`{"revoked": N}`', "RevokedCount"), JSON_BODY, NOT_FOUND, ...ADMIN(true)],
    },
  },
  "/api/admin/users/{id}/second-factor/reset/": {
    post: {
      tag: "Administration",
      summary: "Remove TOTP, recovery codes and passkeys (a lost device); every session ends; the owner is emailed",
      auth: "bearer",
      parameters: [USER_ID],
      body: "AdminActionRequest",
      bodyOptional: true,
      responses: [ok(200, "The account.", "AdminUser"), JSON_BODY, NOT_FOUND, ...ADMIN(true)],
    },
  },
  "/api/admin/users/{id}/verify-email/resend/": {
    post: {
      tag: "Administration",
      summary: "Send a new verification link (nothing for a verified address)",
      auth: "bearer",
      parameters: [USER_ID],
      body: "AdminActionRequest",
      bodyOptional: true,
      responses: [ok(202, '`{"message": ...}` whatever the address\'s state.', "Message"), JSON_BODY, NOT_FOUND, ...ADMIN(true)],
    },
  },
  "/api/admin/users/{id}/role/": {
    post: {
      tag: "Administration",
      summary: "Make the account an administrator, or a user again",
      auth: "bearer",
      parameters: [USER_ID],
      body: "AdminRoleRequest",
      responses: [ok(200, "The account.", "AdminUser"), JSON_BODY, NOT_FOUND, LAST_ADMIN, ...ADMIN(true)],
    },
  },
  "/api/admin/audit/": {
    get: {
      tag: "Administration",
      summary: "What administrators did, newest first, in pages (kept a year)",
      auth: "bearer",
      parameters: [{ name: "page", in: "query", description: "From 1 (`last` for the last page); 25 entries a page.", schema: z.string() }],
      responses: [ok(200, "One page.", "AuditPage"), { 404: detail('`{"detail": "Invalid page."}`') }, ...ADMIN(false)],
    },
  },
};
