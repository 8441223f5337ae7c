import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { users } from "@/db/schema";
import { pickUniqueUsername, usernameBaseFrom } from "@/lib/auth/oauth/username";
import { UsernameSchema } from "@/lib/validation";
import { newUserRow } from "@/lib/auth/user";

// Usernames made for social sign-ups must pass the same rules as registration's.

describe("usernameBaseFrom", () => {
  it.each([
    ["octocat", "octocat"],
    ["Ada Lovelace", "Ada_Lovelace"],
    ["  José  María ", "José_María"],
    ["名前", "名前"],
    ["a!b#c$d%e", "abcde"],
    ["dash-dot.plus+at@under_score", "dash-dot.plus+at@under_score"],
    ["<script>", "script"],
    ["!!!", "user"],
    [null, "user"],
    ["ｆｕｌｌｗｉｄｔｈ", "fullwidth"],
  ])("%s → %s", (hint, expected) => {
    const base = usernameBaseFrom(hint);
    expect(base).toBe(expected);
    expect(UsernameSchema.safeParse(base).success).toBe(true);
  });

  it("keeps at most 150 characters, counted as people count them", async () => {
    const base = usernameBaseFrom("é".repeat(200));
    expect([...base]).toHaveLength(150);
    expect(UsernameSchema.safeParse(base).success).toBe(true);
  });
});

describe("pickUniqueUsername", () => {
  const insert = async (username: string) =>
    await getDb().insert(users).values(newUserRow({ username, email: `${username.length}-${Math.random()}@example.com` }));

  it("appends the first free number, comparing without regard to case", async () => {
    await insert("Octocat");
    await insert("octocat2");
    expect(await pickUniqueUsername(getDb(), "octocat")).toBe("octocat3");
    expect(await pickUniqueUsername(getDb(), "someone")).toBe("someone");
  });

  it("stays within 150 characters when a number is appended", async () => {
    const long = "x".repeat(150);
    await insert(long);
    const picked = await pickUniqueUsername(getDb(), long);
    expect(picked).toBe("x".repeat(149) + "2");
    expect(UsernameSchema.safeParse(picked).success).toBe(true);
  });
});
