import * as jwks from "@/app/.well-known/jwks.json/route";
import * as activity from "@/app/api/auth/activity/route";
import * as adminAudit from "@/app/api/admin/audit/route";
import * as adminUserDisable from "@/app/api/admin/users/[id]/disable/route";
import * as adminUserEnable from "@/app/api/admin/users/[id]/enable/route";
import * as adminUserRole from "@/app/api/admin/users/[id]/role/route";
import * as adminUser from "@/app/api/admin/users/[id]/route";
import * as adminUserSecondFactorReset from "@/app/api/admin/users/[id]/second-factor/reset/route";
import * as adminUserSessionsRevoke from "@/app/api/admin/users/[id]/sessions/revoke/route";
import * as adminUserVerifyEmailResend from "@/app/api/admin/users/[id]/verify-email/resend/route";
import * as adminUsers from "@/app/api/admin/users/route";
import * as app from "@/app/api/auth/apps/[client_id]/route";
import * as apps from "@/app/api/auth/apps/route";
import * as emailChangeCancel from "@/app/api/auth/email/change/cancel/route";
import * as emailChange from "@/app/api/auth/email/change/route";
import * as login from "@/app/api/auth/login/route";
import * as logout from "@/app/api/auth/logout/route";
import * as meExport from "@/app/api/auth/me/export/route";
import * as me from "@/app/api/auth/me/route";
import * as recoveryCodes from "@/app/api/auth/mfa/recovery-codes/route";
import * as mfa from "@/app/api/auth/mfa/route";
import * as totpConfirm from "@/app/api/auth/mfa/totp/confirm/route";
import * as totp from "@/app/api/auth/mfa/totp/route";
import * as totpSetup from "@/app/api/auth/mfa/totp/setup/route";
import * as mfaVerify from "@/app/api/auth/mfa/verify/route";
import * as passkey from "@/app/api/auth/passkeys/[id]/route";
import * as passkeyLoginOptions from "@/app/api/auth/passkeys/login/options/route";
import * as passkeyLogin from "@/app/api/auth/passkeys/login/route";
import * as passkeyRegisterOptions from "@/app/api/auth/passkeys/register/options/route";
import * as passkeyRegister from "@/app/api/auth/passkeys/register/route";
import * as passwordChange from "@/app/api/auth/password/change/route";
import * as passwordResetCheck from "@/app/api/auth/password/reset/check/route";
import * as passwordResetConfirm from "@/app/api/auth/password/reset/confirm/route";
import * as passwordReset from "@/app/api/auth/password/reset/route";
import * as reauthenticate from "@/app/api/auth/reauthenticate/route";
import * as register from "@/app/api/auth/register/route";
import * as session from "@/app/api/auth/sessions/[id]/route";
import * as revokeOthers from "@/app/api/auth/sessions/revoke-others/route";
import * as sessions from "@/app/api/auth/sessions/route";
import * as socialCallback from "@/app/api/auth/social/[provider]/callback/route";
import * as social from "@/app/api/auth/social/[provider]/route";
import * as refresh from "@/app/api/auth/token/refresh/route";
import * as verifyEmailCheck from "@/app/api/auth/verify-email/check/route";
import * as verifyEmailResend from "@/app/api/auth/verify-email/resend/route";
import * as verifyEmail from "@/app/api/auth/verify-email/route";
import * as health from "@/app/api/health/route";
import type { ApiRoutes } from "@/lib/openapi";

// Every API route but the document's own (./route.ts adds itself), by the path Next serves
// it at, in the order the document lists them. Each carries its declaration
// (lib/http/route.ts). tests/unit/openapi.test.ts checks that every route file is here.
export const API_ROUTES: ApiRoutes = {
  "/api/auth/register/": register,
  "/api/auth/verify-email/": verifyEmail,
  "/api/auth/verify-email/check/": verifyEmailCheck,
  "/api/auth/password/reset/check/": passwordResetCheck,
  "/api/auth/verify-email/resend/": verifyEmailResend,
  "/api/auth/login/": login,
  "/api/auth/token/refresh/": refresh,
  "/api/auth/me/": me,
  "/api/auth/me/export/": meExport,
  "/api/auth/email/change/": emailChange,
  "/api/auth/email/change/cancel/": emailChangeCancel,
  "/api/auth/logout/": logout,
  "/api/auth/social/{provider}/": social,
  "/api/auth/social/{provider}/callback/": socialCallback,
  "/api/auth/password/reset/": passwordReset,
  "/api/auth/password/reset/confirm/": passwordResetConfirm,
  "/api/auth/password/change/": passwordChange,
  "/api/auth/sessions/": sessions,
  "/api/auth/sessions/{id}/": session,
  "/api/auth/sessions/revoke-others/": revokeOthers,
  "/api/auth/apps/": apps,
  "/api/auth/apps/{client_id}/": app,
  "/api/auth/reauthenticate/": reauthenticate,
  "/api/auth/mfa/verify/": mfaVerify,
  "/api/auth/passkeys/login/options/": passkeyLoginOptions,
  "/api/auth/passkeys/login/": passkeyLogin,
  "/api/auth/mfa/": mfa,
  "/api/auth/mfa/totp/setup/": totpSetup,
  "/api/auth/mfa/totp/confirm/": totpConfirm,
  "/api/auth/mfa/totp/": totp,
  "/api/auth/mfa/recovery-codes/": recoveryCodes,
  "/api/auth/passkeys/register/options/": passkeyRegisterOptions,
  "/api/auth/passkeys/register/": passkeyRegister,
  "/api/auth/passkeys/{id}/": passkey,
  "/api/auth/activity/": activity,
  "/api/admin/users/": adminUsers,
  "/api/admin/users/{id}/": adminUser,
  "/api/admin/users/{id}/disable/": adminUserDisable,
  "/api/admin/users/{id}/enable/": adminUserEnable,
  "/api/admin/users/{id}/sessions/revoke/": adminUserSessionsRevoke,
  "/api/admin/users/{id}/second-factor/reset/": adminUserSecondFactorReset,
  "/api/admin/users/{id}/verify-email/resend/": adminUserVerifyEmailResend,
  "/api/admin/users/{id}/role/": adminUserRole,
  "/api/admin/audit/": adminAudit,
  "/api/health/": health,
  "/.well-known/jwks.json": jwks,
};
