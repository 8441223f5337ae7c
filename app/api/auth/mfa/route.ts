import { getMfaStatus } from "@/lib/auth/mfa/second-factor";
import { MfaStatusSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  {
    tag: "Second factor",
    summary: "Second-factor state and passkeys",
    rateLimit: "api",
    auth: "bearer",
    answers: [answer(200, "Whether the account has a password and TOTP, how many recovery codes are left, and its passkeys.", MfaStatusSchema)],
  },
  async ({ auth }) => json(await getMfaStatus(auth.user)),
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
