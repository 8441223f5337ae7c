import "server-only";
import type { Queryable } from "@/lib/db";
import { users } from "@/db/schema";
import { USERNAME_MAX_LENGTH } from "@/lib/validation";
import { usernameIs } from "../user";

// A user created by social login (docs/api.md, rule 4) gets a username that register would
// accept: letters, digits and @ . + - _, at most 150 characters, unique without regard
// to case. It is derived from the provider's login or name so people recognise it.

const DISALLOWED = /[^\p{L}\p{N}_.@+-]/gu;
const FALLBACK = "user";

/** The provider's login or name reduced to the characters a username may hold. */
export function usernameBaseFrom(hint: string | null): string {
  const reduced = (hint ?? "")
    .normalize("NFKC")
    .trim()
    .replace(/\s+/g, "_")
    .replace(DISALLOWED, "");
  const base = truncate(reduced, USERNAME_MAX_LENGTH);
  return base.length > 0 ? base : FALLBACK;
}

/** `base`, or `base2`, `base3`, ... : the first that nobody has, compared case-insensitively. */
export async function pickUniqueUsername(q: Queryable, hint: string | null): Promise<string> {
  const base = usernameBaseFrom(hint);
  for (let n = 1; ; n += 1) {
    const suffix = n === 1 ? "" : String(n);
    const candidate = truncate(base, USERNAME_MAX_LENGTH - suffix.length) + suffix;
    if (!(await isTaken(q, candidate))) return candidate;
  }
}

async function isTaken(q: Queryable, username: string): Promise<boolean> {
  const [user] = await q.select({ id: users.id }).from(users).where(usernameIs(username));
  return user !== undefined;
}

/** At most `max` characters as people count them (code points), like the register check. */
function truncate(value: string, max: number): string {
  const characters = [...value];
  return characters.length > max ? characters.slice(0, max).join("") : value;
}
