// `npm run admin -- grant EMAIL` / `npm run admin -- revoke EMAIL` / `npm run admin -- list`:
// who is an administrator, set from the server's shell (docs/api.md, administration): the
// bootstrap, since nobody is one before the first grant. DATABASE_URL (SQLite or
// PostgreSQL) as the server has it; runs under tsx with the react-server condition, like
// db:migrate. Each change is recorded in the administrators' audit as made from the shell.
// Exit 0 when done (or nothing to do), 1 when refused (no such account; the last
// administrator), 2 for a wrong command line.
import nextEnv from "@next/env";
import { describeDatabase } from "@/db/client";
import { closeDb, databaseReady } from "@/lib/db";
import { listAdministrators, setRole } from "@/lib/admin/roles";
import { useDatabaseToolEnv } from "@/lib/env";
import { EmailSchema } from "@/lib/validation";

const USAGE = "Usage: npm run admin -- grant EMAIL | revoke EMAIL | list";

async function main(argv: string[]): Promise<number> {
  const [command, address, ...rest] = argv;
  const email = address === undefined ? null : EmailSchema.safeParse(address);
  if (rest.length || !(command === "list" ? address === undefined : (command === "grant" || command === "revoke") && email?.success)) {
    console.error(USAGE);
    return 2;
  }
  nextEnv.loadEnvConfig(process.cwd(), false, { info: () => {}, error: console.error });
  const where = describeDatabase(useDatabaseToolEnv().DATABASE_URL);
  try {
    await databaseReady();
    if (command === "list") {
      const admins = await listAdministrators();
      for (const a of admins) console.log(`${a.email}${a.disabled ? " (disabled)" : ""}`);
      console.log(`${admins.length} administrator${admins.length === 1 ? "" : "s"} in ${where}`);
      return 0;
    }
    const target = email!.data!;
    const result = await setRole({ target: { email: target }, role: command === "grant" ? "admin" : "user", actor: { kind: "shell" }, reason: "npm run admin" });
    if (!result.ok) {
      console.error(
        result.reason === "not_found"
          ? `admin: no account has the address ${target} in ${where}. Nothing changed.`
          : `admin: ${target} is the last administrator who can act: grant someone else first. Nothing changed.`,
      );
      return 1;
    }
    const now = command === "grant" ? "is an administrator" : "is no longer an administrator";
    console.log(result.changed ? `${result.user.email} ${now} (${where}).` : `${result.user.email} ${now} already; nothing changed.`);
    return 0;
  } finally {
    await closeDb();
  }
}

process.exitCode = await main(process.argv.slice(2));
