import { NextResponse } from "next/server";
import { disableTotp } from "@/lib/auth/mfa/second-factor";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { parseJsonBody } from "@/lib/http/body";
import { requestClient } from "@/lib/http/request";
import { codeRefusal, secondFactorOff } from "@/lib/api/second-factor";
import { MfaCodeSchema } from "@/lib/validation";

export const DELETE = apiRoute({ rateLimit: "mfa", auth: "bearer" }, async (request, _context, auth) => {
  const input = await parseJsonBody(request, MfaCodeSchema);
  if (!input.ok) return input.response;
  const result = await disableTotp({ user: auth.user, code: input.data.code, client: requestClient(request) });
  if (!result.ok) return result.reason === "no_setup" ? secondFactorOff("Two-step verification is not on.", "totp_not_enabled") : codeRefusal(result);
  deliverAfterResponse(result.emailId);
  return new NextResponse(null, { status: 204 });
});

export const { GET, POST, PUT, PATCH } = methodNotAllowed("DELETE");
