import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { socialAccounts } from "@/db/schema";
import { getProfile, getUserByEmail, getUserById, isUsernameTaken, toPublicUser } from "@/lib/auth/user";
import { createUser } from "./helpers";

// Lookups are case-insensitive (docs/api.md, register); the public user objects of the login
// and /me responses carry exactly the documented fields, never the password hash.

describe("lookups", () => {
  it("find users by email and username without regard to case", async () => {
    const user = await createUser({ username: "CaseUser", email: "Case.User@example.com" });
    expect((await getUserByEmail("case.user@EXAMPLE.com"))?.id).toBe(user.id);
    expect(await getUserByEmail("other@example.com")).toBeNull();
    expect(await isUsernameTaken("caseuser")).toBe(true);
    expect(await isUsernameTaken("CASEUSER")).toBe(true);
    expect(await isUsernameTaken("caseuser2")).toBe(false);
    expect((await getUserById(user.id))?.email).toBe("Case.User@example.com");
    expect(await getUserById(user.id + 1)).toBeNull();
  });

  it("treat LIKE wildcards literally", async () => {
    await createUser({ username: "percent", email: "someone@example.com" });
    expect(await getUserByEmail("%@example.com")).toBeNull();
    expect(await getUserByEmail("_omeone@example.com")).toBeNull();
    expect(await isUsernameTaken("%")).toBe(false);
  });
});

describe("public user objects", () => {
  it("have exactly the documented fields", async () => {
    const user = await createUser({ username: "shown", email: "shown@example.com", emailVerified: true });
    expect(toPublicUser(user)).toEqual({ id: user.id, username: "shown", email: "shown@example.com", email_verified: true });
    expect(JSON.stringify(toPublicUser(user))).not.toContain("argon2");
  });

  it("list the linked providers in the profile, sorted", async () => {
    const user = await createUser({ username: "linked", password: null });
    expect((await getProfile(user)).providers).toEqual([]);
    await getDb()
      .insert(socialAccounts)
      .values([
        { userId: user.id, provider: "google", providerUserId: "g-1" },
        { userId: user.id, provider: "github", providerUserId: "1" },
      ]);
    const profile = await getProfile(user);
    expect(profile).toEqual({ id: user.id, username: "linked", email: user.email, email_verified: false, providers: ["github", "google"] });
  });
});
