import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateHOTP } from "@oslojs/otp";
import { expect, type APIRequestContext } from "@playwright/test";
import type { TestUser } from "./users";

/** The RFC 6238 code of `secret` at this time step plus `offset`. */
export const totpCode = (secret: string, offset = 0) =>
  generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(Date.now() / 30_000) + offset), 6);

/**
 * Turn TOTP on through the API (setup and confirm with this step's code) with a session of
 * `request`'s own (signed in by password first): for scenes about something else. The
 * next sign-in needs the next step's code (`totpCode(secret, 1)`): this one is spent.
 */
export async function turnOnTotpByApi(request: APIRequestContext, user: TestUser): Promise<string> {
  const signedIn = await (await request.post("/api/auth/login/", { data: { email: user.email, password: user.password } })).json();
  const auth = { authorization: `Bearer ${signedIn.access}` };
  const setup = await (await request.post("/api/auth/mfa/totp/setup/", { headers: auth })).json();
  expect((await request.post("/api/auth/mfa/totp/confirm/", { headers: auth, data: { code: totpCode(setup.secret) } })).status()).toBe(200);
  return setup.secret as string;
}
