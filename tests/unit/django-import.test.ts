import { readFileSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bulkInsert, getDb } from "@/lib/db";
import { socialAccounts, users } from "@/db/schema";
import { registerUser } from "@/lib/auth/registration";
import { DumpError, parseDump } from "@/lib/django/dump";
import { importDjangoDump, nothingToDoLine, summaryLine, type ImportReport } from "@/lib/django/import";
import { createUser, rawRows } from "./helpers";

// The importer in-process on a fresh SQLite file per test (docs/api.md, "Moving in the
// users of a Django system"). The command and both databases are tested through the
// built server in tests/integration/django-import.test.ts.

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/django");
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), "utf8");
const seed = () => parseDump(fixture("seed.json"));
const run = (text: string, dryRun = false) => importDjangoDump(parseDump(text), { dryRun });

/** A dumpdata record of the seed's accounts.user, with what a test changes. */
function userRecord(pk: number, fields: Record<string, unknown> = {}) {
  return {
    model: "accounts.user",
    pk,
    fields: {
      password: "",
      last_login: null,
      is_superuser: false,
      username: `user${pk}`,
      first_name: "",
      last_name: "",
      is_staff: false,
      is_active: true,
      date_joined: "2024-03-01T10:00:00Z",
      email: `user${pk}@example.com`,
      email_verified: true,
      groups: [],
      user_permissions: [],
      ...fields,
    },
  };
}
const social = (pk: number, user: number | [string], provider: string, uid: string) => ({
  model: "accounts.socialaccount",
  pk,
  fields: { user, provider, provider_uid: uid, extra_data: {} },
});
const dumpOf = (...records: unknown[]) => JSON.stringify(records);

const linesOf = (report: ImportReport) => report.lines.map((l) => `${l.kind} ${l.subject}: ${l.message}`);

describe("parseDump", () => {
  const refused = (text: string) => {
    try {
      parseDump(text);
    } catch (error) {
      expect(error).toBeInstanceOf(DumpError);
      return (error as Error).message;
    }
    throw new Error("parsed");
  };

  it("names what is wrong with the file, and the record", () => {
    expect(refused("{not json")).toMatch(/^not JSON: /);
    expect(refused('{"model": "accounts.user"}')).toMatch(/^not a dumpdata array: the top level is an object/);
    expect(refused("[1]")).toBe('record 1: not a dumpdata record (an object with "model" and "fields"), but number 1');
    expect(refused(dumpOf(userRecord(1), { model: "accounts.user", pk: 2 }))).toMatch(/^record 2: not a dumpdata record/);
    // --natural-primary drops the pk: the ids are the point.
    expect(refused(dumpOf({ model: "accounts.user", fields: userRecord(1).fields }))).toMatch(/^record 1 \(accounts\.user\): no "pk"\. .*--natural-primary/);
    expect(refused(dumpOf(userRecord(1), { ...userRecord(2), pk: "2" }))).toBe('record 2 (accounts.user "2"): "pk" must be a positive integer id, got the string "2"');
    expect(refused(dumpOf(userRecord(3, { username: 7 })))).toBe('record 1 (accounts.user 3): field "username" must be a string, got number 7');
    expect(refused(dumpOf(userRecord(3, { is_active: "yes" })))).toMatch(/field "is_active" must be true or false/);
    expect(refused(dumpOf(userRecord(3, { date_joined: "yesterday" })))).toMatch(/field "date_joined" must be an ISO 8601 date and time, got "yesterday"/);
    expect(refused(dumpOf(userRecord(3), social(1, { id: 3 } as never, "github", "1")))).toMatch(/^record 2 \(accounts\.socialaccount 1\): "user" must be a user id/);
  });

  it("reads the seed's models, Django's stock auth.user, natural foreign keys, and counts other models", () => {
    const dump = parseDump(dumpOf(userRecord(1), social(1, ["user1"], "github", "5"), { model: "contenttypes.contenttype", pk: 1, fields: {} }));
    expect(dump.users[0]).toMatchObject({ id: 1, model: "accounts.user", emailVerified: true, dateJoined: new Date("2024-03-01T10:00:00Z") });
    expect(dump.socialAccounts[0]).toMatchObject({ user: { username: "user1" }, provider: "github", providerUid: "5" });
    expect(dump.otherModels).toEqual({ "contenttypes.contenttype": 1 });
    // Without USE_TZ, Django writes no offset: read as UTC.
    const stock = parseDump(dumpOf({ ...userRecord(2, { date_joined: "2020-05-05T05:05:05.123", email_verified: true }), model: "auth.user" }));
    expect(stock.users[0]).toMatchObject({ model: "auth.user", emailVerified: false, dateJoined: new Date("2020-05-05T05:05:05.123Z") });
  });
});

describe("importDjangoDump on the seed's dump (made by Django 3.2)", () => {
  it("keeps ids, usernames, addresses, verification, join dates and hashes; links github and google", async () => {
    const report = await importDjangoDump(seed(), { dryRun: false });
    const rows = await getDb().select().from(users).orderBy(users.id);
    expect(rows.map((u) => u.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 18, 19, 40]);
    const byId = new Map(rows.map((u) => [u.id, u]));
    const records = JSON.parse(fixture("seed.json")) as Array<{ pk: number; model: string; fields: Record<string, unknown> }>;
    for (const record of records.filter((r) => r.model === "accounts.user" && byId.has(r.pk))) {
      const row = byId.get(record.pk)!;
      expect(row.email).toBe(record.fields.email);
      expect(row.emailVerified).toBe(record.fields.email_verified);
      expect(row.createdAt).toEqual(new Date(record.fields.date_joined as string));
      expect(row.disabledAt === null).toBe(record.fields.is_active);
    }
    // The Django string as Django wrote it, for the formats login checks; nothing for the rest.
    for (const id of [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 17, 40]) {
      expect(byId.get(id)!.passwordHash).toBe(records.find((r) => r.pk === id && r.model === "accounts.user")!.fields.password);
    }
    for (const id of [9, 10, 11, 18, 19]) expect(byId.get(id)!.passwordHash).toBeNull();
    expect(byId.get(17)!.username).toBe("casey2");
    expect(byId.get(16)!.username).toBe("Casey");

    const links = await getDb().select().from(socialAccounts).orderBy(socialAccounts.userId, socialAccounts.provider);
    expect(links.map((l) => [l.userId, l.provider, l.providerUserId, l.email])).toEqual([
      [11, "github", "583231", "octocat@example.com"],
      [11, "google", "104392817263548172635", "octocat@example.com"],
      [19, "github", "583299", null],
    ]);
    expect(links[0]!.profile).toMatchObject({ display_name: "The Octocat", avatar_url: "https://avatars.example/583231" });

    expect(linesOf(report)).toEqual([
      "changed user 12 (inactive, inactive@example.com): is_active is false: imported disabled (it cannot sign in)",
      "skipped user 13 (twin_a, Twin@Example.com): its email is the same as user 14 (twin@example.com)'s by Gatehouse's rules (case does not count); none of them is imported",
      "skipped user 14 (twin_b, twin@example.com): its email is the same as user 13 (Twin@Example.com)'s by Gatehouse's rules (case does not count); none of them is imported",
      "skipped user 15 (noemail): no email address (Gatehouse signs people in by email)",
      'changed user 17 (casey, casey.lower@example.com): username "casey" is taken by user 16 of this file (case does not count): imported as "casey2"',
      "changed user 18 (md5, md5@example.com): its password is in a format Gatehouse does not check (md5): imported without a password (a password reset sets one)",
      "changed user 19 (inactivesocial, inactive.social@example.com): is_active is false: imported disabled (it cannot sign in)",
      'skipped social account 3 (facebook 10158): provider "facebook" is not one Gatehouse signs in with (google, github)',
      "skipped social account 4 (github 777001): its user 13 is not imported (see above)",
    ]);
    expect(summaryLine(report)).toBe(
      "Imported 17 users and 3 linked providers; skipped 3 users (no email 1, email collision 2); skipped 2 providers (unsupported provider 1, user skipped 1); " +
        "already imported 0 users and 0 providers; passwords: pbkdf2_sha256 8, pbkdf2_sha1 1, argon2 1, bcrypt_sha256 1, bcrypt 1, none 4, unsupported 1; disabled 2; renamed 1.",
    );
    expect(nothingToDoLine(report)).toBeNull();
  });

  it("the same file again changes nothing and says so", async () => {
    await importDjangoDump(seed(), { dryRun: false });
    const before = { users: rawRows("users"), links: rawRows("social_accounts") };
    const again = await importDjangoDump(seed(), { dryRun: false });
    expect({ users: rawRows("users"), links: rawRows("social_accounts") }).toEqual(before);
    expect(again.imported).toEqual({ users: 0, providers: 0 });
    expect(again.alreadyImported).toEqual({ users: 17, providers: 3 });
    expect(nothingToDoLine(again)).toMatch(/^Nothing to import: every user and provider of this file that can be imported is already in Gatehouse/);
  });

  it("--dry-run reports what the import would do and writes no row", async () => {
    const dry = await importDjangoDump(seed(), { dryRun: true });
    expect(rawRows("users")).toEqual([]);
    expect(rawRows("social_accounts")).toEqual([]);
    const { transactionMs, ...real } = await importDjangoDump(seed(), { dryRun: false });
    expect(transactionMs).toBeGreaterThanOrEqual(0);
    expect({ ...dry, dryRun: false }).toEqual(real);
    expect(summaryLine(dry)).toMatch(/^Dry run, nothing written: would import 17 users and 3 linked providers;/);
  });

  it("a dump made with --natural-foreign imports the same", async () => {
    const natural = await run(fixture("seed-natural.json"));
    expect(natural.imported).toEqual({ users: 17, providers: 3 });
    expect((await getDb().select().from(socialAccounts)).map((l) => l.userId).sort()).toEqual([11, 11, 19]);
  });

  it("new accounts after the import get ids past the largest imported one", async () => {
    await importDjangoDump(seed(), { dryRun: false });
    expect(rawRows("sqlite_sequence").find((r) => r.name === "users")).toEqual({ name: "users", seq: 40 });
    await registerUser({ username: "newcomer", email: "newcomer@example.com", password: "a brand new password" });
    const [row] = await getDb().select({ id: users.id }).from(users).where(eq(users.username, "newcomer"));
    expect(row!.id).toBe(41);
  });
});

describe("Django's stock auth.user", () => {
  it("has no email_verified (false), a superuser without an address (skipped), an inactive user (disabled)", async () => {
    const report = await run(fixture("stock.json"));
    const rows = await getDb().select().from(users).orderBy(users.id);
    expect(rows.map((u) => [u.id, u.username, u.email, u.emailVerified, u.disabledAt !== null])).toEqual([
      // Stored as registration stores addresses: the domain lower-cased.
      [2, "alice", "Alice@example.org", false, false],
      [3, "bob", "bob@example.org", false, true],
    ]);
    expect(rows[1]!.passwordHash).toMatch(/^argon2\$argon2id\$/);
    expect(linesOf(report)).toEqual([
      "skipped user 1 (admin): no email address (Gatehouse signs people in by email)",
      "changed user 3 (bob, bob@example.org): is_active is false: imported disabled (it cannot sign in)",
    ]);
  });
});

describe("what is already in Gatehouse does not change", () => {
  it("skips a dump user whose id or address is taken, renames one whose username is, and leaves linked providers alone", async () => {
    // Ids 1 and 2 in Gatehouse already: 1 with another address, 2 with an address of the dump.
    const first = await createUser({ username: "native", email: "native@example.com" });
    const second = await createUser({ username: "native2", email: "sha1@example.com" });
    const third = await createUser({ username: "BCRYPT", email: "third@example.com" });
    expect([first.id, second.id, third.id]).toEqual([1, 2, 3]);
    await getDb().insert(socialAccounts).values({ userId: first.id, provider: "google", providerUserId: "104392817263548172635", profile: {} });
    const before = rawRows("users");

    const report = await importDjangoDump(seed(), { dryRun: false });
    const lines = linesOf(report);
    expect(lines).toContain("skipped user 1 (pbkdf2, pbkdf2@example.com): id 1 already belongs to another Gatehouse account; nothing there changes");
    expect(lines).toContain("skipped user 2 (pbkdf2million, million@example.com): id 2 already belongs to another Gatehouse account; nothing there changes");
    expect(lines).toContain("skipped user 3 (pbkdf2sha1, sha1@example.com): id 3 already belongs to another Gatehouse account; nothing there changes");
    expect(lines).toContain('changed user 6 (bcrypt, bcrypt@example.com): username "bcrypt" is taken by Gatehouse user 3 (case does not count): imported as "bcrypt2"');
    expect(lines).toContain("skipped social account 2 (google 104392817263548172635): this google account already signs in to Gatehouse user 1; nothing there changes");
    // The three accounts that were there are exactly as they were.
    const after = rawRows("users");
    for (const row of before) expect(after.find((r) => r.id === row.id)).toEqual(row);
    expect((await getDb().select().from(socialAccounts)).map((l) => [l.userId, l.provider])).toEqual([
      [1, "google"],
      [11, "github"],
      [19, "github"],
    ]);
  });

  it("someone who registered a dump user's address and drew its id is not taken for that user, and gets none of its providers", async () => {
    // Ids start at 1 in both systems: registering octocat's address as the 11th account
    // draws octocat's id. Only the date_joined, which nobody chooses, tells an import apart.
    for (let i = 1; i <= 10; i++) await createUser({ email: `early${i}@example.com` });
    const squatter = await createUser({ username: "squatter", email: "octocat@example.com" });
    expect(squatter.id).toBe(11);
    const report = await importDjangoDump(seed(), { dryRun: false });
    expect(linesOf(report)).toContain("skipped user 11 (octocat, octocat@example.com): id 11 already belongs to another Gatehouse account; nothing there changes");
    expect(linesOf(report)).toContain("skipped social account 1 (github 583231): its user 11 is not imported (see above)");
    expect((await getDb().select().from(socialAccounts)).map((l) => l.userId)).toEqual([19]);
  });

  it("skips a dump user whose address (by Gatehouse's rules) already has an account under another id", async () => {
    await createUser({ username: "someone", email: "LATE@EXAMPLE.COM" });
    const report = await run(dumpOf(userRecord(40, { username: "late", email: "late@example.com" })));
    expect(linesOf(report)).toEqual(["skipped user 40 (late, late@example.com): its email already belongs to Gatehouse user 1; nothing there changes"]);
    expect(report.skippedUsers).toEqual({ email_taken: 1 });
  });
});

describe("what a dump may hold that Gatehouse cannot take as it is", () => {
  it("skips ids twice in the file, ids past PostgreSQL's integer, invalid addresses; makes usernames valid", async () => {
    const report = await run(
      dumpOf(
        userRecord(1),
        userRecord(1, { username: "again", email: "again@example.com" }),
        userRecord(3_000_000_000),
        userRecord(4, { email: "not an address" }),
        userRecord(5, { username: "john doe" }),
        userRecord(6, { username: "john_doe" }),
      ),
    );
    expect(linesOf(report)).toEqual([
      "skipped user 1 (user1, user1@example.com): id 1 appears more than once in this file",
      "skipped user 1 (again, again@example.com): id 1 appears more than once in this file",
      'skipped user 4 (user4, not an address): "not an address" is not an email address Gatehouse accepts',
      'changed user 5 (john doe, user5@example.com): username "john doe" is not one Gatehouse accepts (letters, digits and @ . + - _, at most 150): imported as "john_doe2"',
      "skipped user 3000000000 (user3000000000, user3000000000@example.com): id 3000000000 is past the largest id Gatehouse stores (2147483647)",
    ]);
    expect((await getDb().select({ id: users.id, username: users.username }).from(users)).map((u) => [u.id, u.username])).toEqual([
      [5, "john_doe2"],
      [6, "john_doe"],
    ]);
  });

  it("links no provider of a user with two accounts at one provider, nor one whose user is not in the file", async () => {
    const report = await run(dumpOf(userRecord(1), social(1, 1, "github", "10"), social(2, 1, "github", "11"), social(3, 9, "google", "12"), social(4, 1, "GitHub", "10")));
    expect(linesOf(report)).toEqual([
      "skipped social account 1 (github 10): user 1 has 3 github accounts in this file; none is linked",
      "skipped social account 2 (github 11): user 1 has 3 github accounts in this file; none is linked",
      "skipped social account 3 (google 12): its user (id 9) is not in this file",
      "skipped social account 4 (GitHub 10): user 1 has 3 github accounts in this file; none is linked",
    ]);
    expect(await getDb().select().from(socialAccounts)).toEqual([]);
  });
});

describe("Store.bulkInsert", () => {
  it("takes plain column names only: a key is never SQL", async () => {
    await expect(bulkInsert(getDb(), "users", [{ 'id") values (1); drop table users; --': 1 }])).rejects.toThrow(/not a column name/);
    expect(rawRows("users")).toEqual([]);
  });
});
