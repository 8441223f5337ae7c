import { z } from "zod";
import { SECURITY_EVENT_TYPES } from "@/db/security-event-types";
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
