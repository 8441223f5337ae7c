// How long `npm run import:django` takes for a large user table (docs/benchmarks.md,
// "Importing from Django"). Writes a dumpdata file of N users (default 100,000) in the
// seed's shape, every one with a real Django hash copied from tests/fixtures/django
// (the importer copies hashes, it never computes one), one in five with a GitHub account,
// then imports it into a new database and times the command as a person would run it.
//
//   node bench/django-import.mjs                 100,000 users into a new SQLite file
//   node bench/django-import.mjs --users=20000
//   BENCH_DATABASE_URL=postgres://… node bench/django-import.mjs   into an empty PostgreSQL database
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const option = (name) => process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const count = Number(option("users") ?? 100_000);

const seed = JSON.parse(readFileSync(path.join(ROOT, "tests/fixtures/django/seed.json"), "utf8"));
const hashes = seed.filter((r) => r.model === "accounts.user" && /^(pbkdf2|argon2|bcrypt)/.test(r.fields.password)).map((r) => r.fields.password);
const template = seed.find((r) => r.model === "accounts.user").fields;

const records = [];
for (let i = 1; i <= count; i++) {
  records.push({
    model: "accounts.user",
    pk: i,
    fields: {
      ...template,
      password: hashes[i % hashes.length],
      username: `person${i}`,
      email: `person${i}@example.com`,
      email_verified: i % 3 !== 0,
      is_active: i % 50 !== 0,
      date_joined: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString().replace(".000Z", "Z"),
    },
  });
}
for (let i = 1; i <= count; i += 5) {
  records.push({ model: "accounts.socialaccount", pk: i, fields: { user: i, provider: "github", provider_uid: String(1_000_000 + i), extra_data: { name: `Person ${i}` } } });
}

const dir = mkdtempSync(path.join(tmpdir(), "gatehouse-django-bench-"));
const file = path.join(dir, "dump.json");
writeFileSync(file, JSON.stringify(records, null, 2));
const databaseUrl = process.env.BENCH_DATABASE_URL || `file:${path.join(dir, "gatehouse.db")}`;
const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl };

function timed(args) {
  const started = process.hrtime.bigint();
  const run = spawnSync("npm", ["run", "-s", "import:django", "--", file, ...args], { cwd: ROOT, env, encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`import failed (${run.status}):\n${run.stderr}`);
  const lines = run.stdout.trim().split("\n");
  return { seconds, summary: lines.at(-1), lines: lines.length };
}

try {
  console.log(`${count} users, ${Math.ceil(count / 5)} GitHub accounts, ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB of dumpdata JSON, into ${databaseUrl.startsWith("file:") ? "a new SQLite file" : "PostgreSQL"}`);
  const dry = timed(["--dry-run"]);
  console.log(`--dry-run   ${dry.seconds.toFixed(1)} s  (${dry.lines} report lines)`);
  const first = timed([]);
  console.log(`import      ${first.seconds.toFixed(1)} s  ${first.summary}`);
  const again = timed([]);
  console.log(`again       ${again.seconds.toFixed(1)} s  ${again.summary}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
