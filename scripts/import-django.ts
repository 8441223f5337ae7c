// `npm run import:django -- FILE [--dry-run]`: move the users of a Django system into the
// database at DATABASE_URL (docs/migrating-from-django.md). FILE is what `manage.py
// dumpdata accounts.user accounts.socialaccount` (or `auth.user`) writes, or `-` for
// standard input. Runs under tsx with the react-server condition, like db:migrate, so
// "server-only" is inert. Exit 0 with a report; 1 when the file cannot be read or is not
// a dumpdata array (nothing written); 2 for a wrong command line.
import { readFile } from "node:fs/promises";
import nextEnv from "@next/env";
import { describeDatabase } from "@/db/client";
import { closeDb, databaseReady } from "@/lib/db";
import { useDatabaseToolEnv } from "@/lib/env";
import { DumpError, parseDump } from "@/lib/django/dump";
import { importDjangoDump, nothingToDoLine, summaryLine } from "@/lib/django/import";

const USAGE = "Usage: npm run import:django -- FILE [--dry-run]   (FILE: a dumpdata JSON file, or - for standard input)";

async function readInput(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

async function main(argv: string[]): Promise<number> {
  const dryRun = argv.includes("--dry-run");
  const files = argv.filter((a) => a !== "--dry-run");
  if (files.length !== 1 || (files[0]!.startsWith("-") && files[0] !== "-")) {
    console.error(USAGE);
    return 2;
  }
  const file = files[0]!;
  const name = file === "-" ? "standard input" : file;

  let text: string;
  try {
    text = await readInput(file);
  } catch (error) {
    console.error(`import:django: cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return 1;
  }
  let dump;
  try {
    dump = parseDump(text);
  } catch (error) {
    if (!(error instanceof DumpError)) throw error;
    console.error(`import:django: ${name}: ${error.message}. Nothing was imported.`);
    return 1;
  }

  nextEnv.loadEnvConfig(process.cwd(), false, { info: () => {}, error: console.error });
  const url = useDatabaseToolEnv().DATABASE_URL;
  try {
    // A new database gets its schema here, as the server would make it.
    await databaseReady();
    const report = await importDjangoDump(dump, { dryRun });
    for (const line of report.lines) console.log(`${line.kind === "skipped" ? "skipped" : "changed"}  ${line.subject}: ${line.message}`);
    const nothing = nothingToDoLine(report);
    if (nothing) console.log(nothing);
    const held = report.transactionMs === undefined ? "" : `, in one transaction of ${(report.transactionMs / 1000).toFixed(1)} s`;
    console.log(`${summaryLine(report)} (${name} into ${describeDatabase(url)}${held})`);
    return 0;
  } catch (error) {
    // The transaction rolled back: say why, without a stack for the expected failures.
    console.error(`import:django: ${describeDatabase(url)}: ${(error as Error).message}. Nothing was imported.`);
    return 1;
  } finally {
    await closeDb();
  }
}

process.exitCode = await main(process.argv.slice(2));
