import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startApp, type RunningApp } from "../support/app";
import { ApiClient } from "../support/client";
import { TEST_DIALECT, dropTestDatabase, openTestDatabase, testDatabaseUrl, type TestDatabase } from "../support/test-database";

// Moving in from Django, through the command and the built server (docs/api.md, "Moving in
// the users of a Django system"), on SQLite and on PostgreSQL (npm run test:integration:pg).
// The dump is tests/fixtures/django/seed.json, made by Django 3.2 (make-fixtures.py). The
// database is new: a dry run creates its schema and no row, then the import runs in its
// own process while the server is up, which then serves the imported rows. One server for
// the file; the tests run in order. Signing in as each kind of imported user, by password
// and through the providers, is the API's business: tests/handlers/django-import.test.ts.

const FIXTURES = path.join(ROOT, "tests/fixtures/django");
const SEED = path.join(FIXTURES, "seed.json");
const passwords: Record<string, { password: string; id: number; format: string }> = JSON.parse(readFileSync(path.join(FIXTURES, "passwords.json"), "utf8")).seed;

type Cli = { code: number | null; stdout: string; stderr: string };

/** `npm run import:django -- ARGS` with DATABASE_URL alone (no signing or Resend key). */
function importDjango(databaseUrl: string, args: string[], stdin?: string): Promise<Cli> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", "import:django", "--", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), DATABASE_URL: databaseUrl, NEXT_TELEMETRY_DISABLED: "1" } as Record<string, string> as NodeJS.ProcessEnv,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

let dataDir: string;
let databaseUrl: string;
let db: TestDatabase;
let app: RunningApp;
let dryRun: Cli;
let rowsAfterDryRun: { users: number; links: number };
let imported: Cli;

const usersTable = () => db.all<{ id: number; username: string; email: string; password_hash: string | null; disabled_at: number | null }>(
  "select id, username, email, password_hash, email_verified, created_at, disabled_at from users order by id",
);
const hashOf = async (id: number) => (await db.get<{ password_hash: string | null }>("select password_hash from users where id = ?", id))?.password_hash;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "gatehouse-django-"));
  databaseUrl = await testDatabaseUrl(dataDir);
  // A new database: the dry run creates the schema, as the server would, and no row.
  dryRun = await importDjango(databaseUrl, [SEED, "--dry-run"]);
  db = openTestDatabase(databaseUrl);
  rowsAfterDryRun = {
    users: Number((await db.get<{ n: number }>("select count(*) as n from users"))!.n),
    links: Number((await db.get<{ n: number }>("select count(*) as n from social_accounts"))!.n),
  };

  app = await startApp({ dataDir, env: { DATABASE_URL: databaseUrl, PASSWORD_HASH_MAX_WAIT_MS: "30000" } });

  // With the server running.
  imported = await importDjango(databaseUrl, [SEED]);
});

afterAll(async () => {
  await db?.close();
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await dropTestDatabase(dataDir);
});

describe(`npm run import:django on ${TEST_DIALECT}`, () => {
  it("a dry run on a new database creates the schema, prints the report, and writes no row", () => {
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(rowsAfterDryRun).toEqual({ users: 0, links: 0 });
    // The same report as the import's, but its summary says nothing was written.
    const [dryLines, realLines] = [dryRun, imported].map((run) => run.stdout.trim().split("\n"));
    expect(dryLines!.slice(0, -1)).toEqual(realLines!.slice(0, -1));
    expect(dryLines!.at(-1)).toMatch(/^Dry run, nothing written: would import 17 users and 3 linked providers;/);
  });

  it("imports with the server running, reporting each skipped or changed record and one summary line", () => {
    expect(imported.code, imported.stderr).toBe(0);
    const lines = imported.stdout.trim().split("\n");
    expect(lines).toContain(
      "skipped  user 13 (twin_a, Twin@Example.com): its email is the same as user 14 (twin@example.com)'s by Gatehouse's rules (case does not count); none of them is imported",
    );
    expect(lines).toContain("skipped  user 15 (noemail): no email address (Gatehouse signs people in by email)");
    expect(lines).toContain('changed  user 17 (casey, casey.lower@example.com): username "casey" is taken by user 16 of this file (case does not count): imported as "casey2"');
    expect(lines).toContain(
      "changed  user 18 (md5, md5@example.com): its password is in a format Gatehouse does not check (md5): imported without a password (a password reset sets one)",
    );
    expect(lines).toContain('skipped  social account 3 (facebook 10158): provider "facebook" is not one Gatehouse signs in with (google, github)');
    // Nine records to report (users 12, 13, 14, 15, 17, 18, 19; two social accounts), then the summary.
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toMatch(
      /^Imported 17 users and 3 linked providers; skipped 3 users \(no email 1, email collision 2\); skipped 2 providers \(unsupported provider 1, user skipped 1\); already imported 0 users and 0 providers; passwords: pbkdf2_sha256 8, pbkdf2_sha1 1, argon2 1, bcrypt_sha256 1, bcrypt 1, none 4, unsupported 1; disabled 2; renamed 1\. \(.*seed\.json into /,
    );
    expect(imported.stdout + imported.stderr).not.toMatch(/pbkdf2_sha256\$|argon2\$|\$2b\$/);
  });

  it("keeps the Django ids, and skips both users of a colliding address and the one without one", async () => {
    const rows = await usersTable();
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 18, 19, 40]);
    expect(rows.find((r) => r.id === 17)!.username).toBe("casey2");
  });
});

describe("the running server and the imported rows", () => {
  const login = (email: string, password: string) => new ApiClient(app.url).post("/api/auth/login/", { email, password });

  // Every hash format, the imported providers and disabled users are signed in through the
  // API in-process (tests/handlers/django-import.test.ts). Here: the server that was
  // running while another process imported serves those rows.
  it("signs an imported user in with the Django password, as the Django id, and re-hashes it", async () => {
    const { password, id, format } = passwords.pbkdf2!;
    expect((await hashOf(id))!.startsWith(`${format}$`)).toBe(true);
    const right = await login("pbkdf2@example.com", password);
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    expect(right.body.user).toMatchObject({ id, username: "pbkdf2" });
    expect(decodeJwt(right.body.access).sub).toBe(String(id));
    expect(await hashOf(id)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it("the login page says what account_disabled means, in words", async () => {
    const page = await fetch(`${app.url}/login/?error=account_disabled`);
    expect(await page.text()).toContain("This account is disabled, so it cannot sign in.");
  });
});

describe("after the import", () => {
  it("a new registration gets an id past the imported ones", async () => {
    const client = new ApiClient(app.url);
    const res = await client.post("/api/auth/register/", { username: "newcomer", email: "newcomer@example.com", password: "arrived after the move" });
    expect(res.status).toBe(201);
    expect((await db.get<{ id: number }>("select id from users where email = ?", "newcomer@example.com"))!.id).toBe(41);
  });

  it("the same file again imports nothing, changes nothing, and says so", async () => {
    const before = await usersTable();
    const again = await importDjango(databaseUrl, [SEED]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("Nothing to import: every user and provider of this file that can be imported is already in Gatehouse (an earlier run); nothing was changed.");
    expect(again.stdout.trim().split("\n").at(-1)).toMatch(/^Imported 0 users and 0 linked providers; .*already imported 17 users and 3 providers;/);
    // The re-hashed passwords stay re-hashed.
    expect(await usersTable()).toEqual(before);
  });

  it("a file that cannot be read, is not JSON, or is not a dumpdata array exits non-zero, names the problem, and writes nothing", async () => {
    const before = { users: await usersTable(), links: await db.all("select * from social_accounts order by id") };
    const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-dump-"));
    try {
      const bad = (name: string, text: string) => {
        writeFileSync(path.join(dir, name), text);
        return path.join(dir, name);
      };
      const records = JSON.parse(readFileSync(SEED, "utf8")) as Array<Record<string, unknown>>;
      // A valid user first (a new id): refused with the rest, since the import is all or nothing.
      const fresh = { ...records[0]!, pk: 77, fields: { ...(records[0]!.fields as object), username: "fresh", email: "fresh@example.com" } };
      const broken = { ...records[1]!, fields: { ...(records[1]!.fields as object), date_joined: "last tuesday" } };
      const runs = await Promise.all([
        importDjango(databaseUrl, [path.join(dir, "missing.json")]),
        importDjango(databaseUrl, [bad("truncated.json", readFileSync(SEED, "utf8").slice(0, 500))]),
        importDjango(databaseUrl, [bad("object.json", JSON.stringify({ users: records }))]),
        importDjango(databaseUrl, ["-"], JSON.stringify([fresh, broken])),
      ]);
      expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1]);
      expect(runs[0]!.stderr).toContain(`import:django: cannot read ${path.join(dir, "missing.json")}: ENOENT`);
      expect(runs[1]!.stderr).toMatch(/import:django: .*truncated\.json: not JSON: .*Nothing was imported\./);
      expect(runs[2]!.stderr).toMatch(/object\.json: not a dumpdata array: the top level is an object, where dumpdata writes an array of records\. Nothing was imported\./);
      expect(runs[3]!.stderr).toContain('import:django: standard input: record 2 (accounts.user 2): field "date_joined" must be an ISO 8601 date and time, got "last tuesday". Nothing was imported.');
      for (const run of runs) expect(run.stdout).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect({ users: await usersTable(), links: await db.all("select * from social_accounts order by id") }).toEqual(before);
  });
});
