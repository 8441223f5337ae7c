import { z } from "zod";
import { ADMIN_ACTIONS, SECURITY_EVENT_TYPES } from "@/db/security-event-types";
import { SOCIAL_PROVIDERS } from "./social";

// The shapes of the API's response bodies (docs/api.md), as zod schemas. The routes
// declare their answers with them (apiRoute, lib/http/route.ts), lib/openapi.ts turns them
// into the OpenAPI document's JSON Schemas, the integration suite checks every response
// it sees against that document, and the pages and lib/ take their types from them
// (z.output), so a page and the API cannot disagree on a shape. Objects are strict: a
// field that appears in a response without being described here fails those checks.
// Nothing server-only here: client components import these types.

/** `{"detail": "..."}`, with `"code"` where a client must tell cases apart. */
export const DetailSchema = z.strictObject({
  detail: z.string(),
  code: z.string().optional().meta({ description: "A stable identifier, where a client must tell cases apart." }),
});

/** Field errors in the DRF shape; `non_field_errors` for the request as a whole. */
export const FieldErrorsSchema = z
  .record(z.string(), z.array(z.string()).min(1))
  .meta({ description: 'Field errors: `{"<field>": ["<message>", ...]}`, or `{"non_field_errors": ["<message>"]}`.' });

export const MessageSchema = z.strictObject({ message: z.string() });

export const PublicUserSchema = z.strictObject({
  id: z.int().min(1),
  username: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
});

export type PublicUser = z.output<typeof PublicUserSchema>;

export const ProfileSchema = z.strictObject({
  ...PublicUserSchema.shape,
  providers: z.array(z.enum(SOCIAL_PROVIDERS)).meta({ description: "Linked sign-in providers, by name." }),
  is_admin: z.literal(true).optional().meta({ description: "Present (true) for an administrator only; everyone else's profile has exactly the seed's keys." }),
});

/** The body of GET /api/auth/me/. */
export type Profile = z.output<typeof ProfileSchema>;

export const LoginResponseSchema = z.strictObject({
  access: z.string().meta({ description: "An EdDSA-signed JWT access token. The refresh token is only ever in the cookie." }),
  user: PublicUserSchema,
});

export const MfaRequiredSchema = z.strictObject({
  mfa_required: z.literal(true),
  mfa_token: z.string().meta({ description: "Opaque, single use, valid 5 minutes: send it to POST /api/auth/mfa/verify/ with the second step." }),
  methods: z.array(z.enum(["totp", "recovery_code", "passkey"])).meta({ description: "What the second step may be; `passkey` when the user has one." }),
  detail: z.string().meta({
    description: "A sentence for people: what to do next. A client written for the seed, which knows no second step, shows it as it shows any `detail`.",
  }),
});

/** What POST /api/auth/login/ answers with 200: a session, or the second step still owed. */
export type LoginAnswer = z.output<typeof LoginResponseSchema> | z.output<typeof MfaRequiredSchema>;

export const VerificationLinkStateSchema = z.strictObject({
  state: z.enum(["ready", "verified"]).meta({ description: "`ready`: the page's button verifies; `verified`: the address is verified already." }),
  purpose: z
    .literal("email_change")
    .optional()
    .meta({ description: "Present for the link of a change of address: the button makes this the account's address." }),
});

export const ResetLinkStateSchema = z.strictObject({ state: z.literal("ready") });

export const AccessResponseSchema = z.strictObject({
  access: z.string().meta({ description: "A new access token." }),
});

export const SessionSummarySchema = z.strictObject({
  id: z.string(),
  created_at: z.iso.datetime(),
  last_used_at: z.iso.datetime(),
  user_agent: z.string().nullable(),
  ip: z.string().nullable(),
  current: z.boolean().meta({ description: "True for the session of the access token that asked." }),
});

export const SessionListSchema = z.array(SessionSummarySchema);
/** An item of GET /api/auth/sessions/. */
export type SessionSummary = z.output<typeof SessionSummarySchema>;

export const AppAccessSchema = z.strictObject({
  client_id: z.string(),
  name: z.string().meta({ description: "The app's name from OIDC_CLIENTS, else its client_id." }),
  scopes: z.array(z.string()).meta({ description: "What it was allowed: openid, profile, email, offline_access." }),
  since: z.iso.datetime(),
});

export type AppAccess = z.output<typeof AppAccessSchema>;

export const AppAccessListSchema = z.array(AppAccessSchema);

export const RevokedCountSchema = z.strictObject({ revoked: z.int().min(0) });

export const PasskeySummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  created_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable(),
});

/** An item of `passkeys` in GET /api/auth/mfa/. */
export type PasskeySummary = z.output<typeof PasskeySummarySchema>;

export const MfaStatusSchema = z.strictObject({
  password: z.boolean().meta({ description: "Whether the account has a password." }),
  totp: z.boolean().meta({ description: "Whether two-step verification with an authenticator app is on." }),
  recovery_codes_left: z.int().min(0),
  passkeys: z.array(PasskeySummarySchema),
});

/** The body of GET /api/auth/mfa/: every way the account signs in beyond its providers. */
export type MfaStatus = z.output<typeof MfaStatusSchema>;

export const TotpSetupSchema = z.strictObject({
  secret: z.string().meta({ description: "The secret in base32, for typing into an app." }),
  otpauth_uri: z.string().meta({ description: "`otpauth://totp/…`, for the QR code." }),
});

export type TotpSetup = z.output<typeof TotpSetupSchema>;

export const RecoveryCodesSchema = z.strictObject({
  recovery_codes: z.array(z.string()).length(10).meta({ description: "Ten single-use codes, shown once." }),
});

export const PasskeyCreationOptionsSchema = z
  .looseObject({ challenge: z.string(), rp: z.looseObject({ id: z.string() }), user: z.looseObject({ id: z.string() }) })
  .meta({ description: "PublicKeyCredentialCreationOptionsJSON, for @simplewebauthn/browser's startRegistration()." });

export const PasskeyRequestOptionsSchema = z
  .looseObject({ challenge: z.string(), rpId: z.string(), userVerification: z.literal("required") })
  .meta({ description: "PublicKeyCredentialRequestOptionsJSON, for @simplewebauthn/browser's startAuthentication() (also with browser autofill)." });

export const ActivityItemSchema = z.strictObject({
  type: z.enum(SECURITY_EVENT_TYPES),
  at: z.iso.datetime(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).meta({ description: "What else is known: the sign-in method, the provider, the passkey's name…" }),
});

export const ActivityListSchema = z.array(ActivityItemSchema);
/** An item of GET /api/auth/activity/. */
export type ActivityItem = z.output<typeof ActivityItemSchema>;

export const HealthSchema = z.strictObject({ status: z.literal("ok") });
export const HealthUnavailableSchema = z.strictObject({ status: z.enum(["unavailable", "draining"]) });

export const JwksSchema = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        kty: z.literal("OKP"),
        crv: z.literal("Ed25519"),
        x: z.string(),
        kid: z.string(),
        alg: z.literal("EdDSA"),
        use: z.literal("sig"),
      }),
    )
    .min(1),
});

/** This document itself, loosely: it describes itself only far enough to be checked. */
export const OpenApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

// The account's own lifecycle and administration (docs/api.md).

export const PendingEmailChangeSchema = z.strictObject({
  pending: z
    .strictObject({ email: z.string(), expires_at: z.iso.datetime() })
    .nullable()
    .meta({ description: "The change of address waiting for its link to be used, or null." }),
});
/** The body of GET /api/auth/email/change/. */
export type PendingEmailChange = z.output<typeof PendingEmailChangeSchema>;

const Timestamp = z.iso.datetime();
const NullableTimestamp = z.iso.datetime().nullable();

/** GET /api/auth/me/export/: everything stored about the user, and no secret. */
export const AccountExportSchema = z.strictObject({
  exported_at: Timestamp,
  account: z.strictObject({
    id: z.int().min(1),
    username: z.string(),
    email: z.string(),
    email_verified: z.boolean(),
    has_password: z.boolean(),
    role: z.enum(["user", "admin"]),
    disabled_at: NullableTimestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    last_login_at: NullableTimestamp,
  }),
  providers: z.array(
    z.strictObject({
      provider: z.enum(SOCIAL_PROVIDERS),
      provider_user_id: z.string(),
      email: z.string().nullable(),
      profile: z.record(z.string(), z.unknown()),
      linked_at: Timestamp,
    }),
  ),
  sessions: z.array(
    z.strictObject({
      id: z.string(),
      created_at: Timestamp,
      last_used_at: Timestamp,
      expires_at: Timestamp,
      revoked_at: NullableTimestamp,
      user_agent: z.string().nullable(),
      ip: z.string().nullable(),
      second_factor: z.enum(["totp", "recovery_code", "passkey"]).nullable(),
    }),
  ),
  passkeys: z.array(
    z.strictObject({ name: z.string(), created_at: Timestamp, last_used_at: NullableTimestamp, device_type: z.enum(["singleDevice", "multiDevice"]), backed_up: z.boolean() }),
  ),
  two_step: z.strictObject({ totp: z.boolean(), enabled_at: NullableTimestamp, recovery_codes_left: z.int().min(0) }),
  email_changes: z.array(
    z.strictObject({ old_email: z.string(), new_email: z.string(), requested_at: Timestamp, confirmed_at: NullableTimestamp, cancelled_at: NullableTimestamp }),
  ),
  activity: z.array(ActivityItemSchema).meta({ description: "Every security event kept (90 days), newest first." }),
  emails: z
    .array(z.strictObject({ to: z.string(), subject: z.string(), status: z.enum(["pending", "sending", "sent", "failed", "mailbox"]), created_at: Timestamp, sent_at: NullableTimestamp }))
    .meta({ description: "Messages to the address in the outbox (their bodies are not kept once sent, and never exported)." }),
  administrator_actions: z.array(z.strictObject({ at: Timestamp, action: z.enum(ADMIN_ACTIONS), reason: z.string().nullable() })),
  app_consents: z
    .array(z.strictObject({ client_id: z.string(), name: z.string().nullable(), scopes: z.array(z.string()), given_at: Timestamp }))
    .meta({ description: "Apps the user let in through Gatehouse's OpenID provider." }),
});
export type AccountExport = z.output<typeof AccountExportSchema>;

export const AdminUserSchema = z.strictObject({
  id: z.int().min(1),
  username: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  is_admin: z.boolean(),
  disabled: z.boolean(),
  created_at: Timestamp,
  last_login_at: NullableTimestamp,
  providers: z.array(z.enum(SOCIAL_PROVIDERS)),
  totp: z.boolean().meta({ description: "Whether two-step verification with an authenticator app is on." }),
  passkeys: z.int().min(0).meta({ description: "How many passkeys the account has." }),
});
/** An account as an administrator sees it (GET /api/admin/users/ and the actions' answers). */
export type AdminUser = z.output<typeof AdminUserSchema>;

export const AdminUserDetailSchema = z.strictObject({
  ...AdminUserSchema.shape,
  sessions: SessionListSchema.meta({ description: "Live sessions, newest first; `current` marks the administrator's own." }),
  activity: ActivityListSchema.meta({ description: "The last 50 security events, newest first." }),
});
export type AdminUserDetail = z.output<typeof AdminUserDetailSchema>;

/** Django REST Framework's page shape. */
const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    count: z.int().min(0),
    next: z.string().nullable().meta({ description: "The next page's absolute URL, or null." }),
    previous: z.string().nullable().meta({ description: "The previous page's absolute URL, or null." }),
    results: z.array(item),
  });

export const AdminUserPageSchema = pageOf(AdminUserSchema);
export type AdminUserPage = z.output<typeof AdminUserPageSchema>;

const AuditParty = z.strictObject({ id: z.int().nullable(), email: z.string().nullable() });

export const AuditEntrySchema = z.strictObject({
  id: z.int().min(1),
  at: Timestamp,
  action: z.enum(ADMIN_ACTIONS),
  admin: AuditParty.nullable().meta({ description: "Who acted; null for a change made from the server's shell (`npm run admin`)." }),
  target: AuditParty.nullable().meta({ description: "The account acted on, as it was (an erased account keeps its id and address here)." }),
  reason: z.string().nullable(),
  ip: z.string().nullable(),
});
export type AuditEntry = z.output<typeof AuditEntrySchema>;

export const AuditPageSchema = pageOf(AuditEntrySchema);
export type AuditPage = z.output<typeof AuditPageSchema>;
