import "server-only";
import { isUniqueViolation, writeTransaction } from "@/lib/db";
import { users } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { queueEmail } from "@/lib/email/send";
import { registrationAttemptEmail } from "@/lib/email/templates";
import type { FieldErrors, RegisterInput } from "@/lib/validation";
import { queueVerificationEmail } from "./email-verification";
import { hashPassword } from "./password";
import { queueClaimEmail } from "./claim";
import { passwordProblems } from "./password-policy";
import { emailIs, newUserRow, usernameIs } from "./user";

export const USERNAME_TAKEN = "A user with that username already exists.";

export type RegisterResult = { ok: true } | { ok: false; errors: FieldErrors };

/**
 * Create an account and queue its verification email, in one transaction.
 *
 * An address that already has an account answers exactly like a new one (docs/api.md):
 * no account is made, and its owner gets a notice. If that account was never
 * confirmed, the address gets a claim link instead (docs/decisions/011): a
 * verification link would confirm whichever password the account was started with,
 * perhaps a squatter's. The password is hashed on every path so that the time taken
 * does not tell the cases apart. Emails past the address's hourly cap are not sent.
 */
export async function registerUser(input: RegisterInput): Promise<RegisterResult> {
  const problems = passwordProblems(input);
  if (problems.length) return { ok: false, errors: { password: problems } };

  const passwordHash = await hashPassword(input.password);
  try {
    return await insertAccount(input, passwordHash);
  } catch (error) {
    // Two registrations raced past the checks; the unique index decided. Run the
    // checks again: they now see the winner and answer as for any taken name/address.
    if (isUniqueViolation(error)) {
      return insertAccount(input, passwordHash);
    }
    throw error;
  }
}

function insertAccount(input: RegisterInput, passwordHash: string): Promise<RegisterResult> {
  return writeTransaction(async (tx): Promise<RegisterResult> => {
    const [byUsername] = await tx.select({ id: users.id }).from(users).where(usernameIs(input.username));
    if (byUsername) return { ok: false, errors: { username: [USERNAME_TAKEN] } };

    const [existing] = await tx.select().from(users).where(emailIs(input.email));
    if (existing) {
      if (existing.emailVerified) {
        const loginUrl = `${getEnv().APP_URL}/login/`;
        await queueEmail(tx, registrationAttemptEmail({ to: existing.email, username: existing.username, loginUrl }), "request");
      } else {
        await queueClaimEmail(tx, existing, "registration");
      }
      return { ok: true };
    }

    const [user] = await tx
      .insert(users)
      .values(newUserRow({ username: input.username, email: input.email, passwordHash, emailVerified: false }))
      .returning();
    await queueVerificationEmail(tx, user!);
    return { ok: true };
  });
}
