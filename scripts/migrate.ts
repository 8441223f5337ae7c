// `npm run db:migrate`: apply db/migrations to DATABASE_URL (the server also does this
// at startup). Runs under tsx with the react-server condition, so "server-only" is inert.
import nextEnv from "@next/env";
import { createStore, describeDatabase } from "@/db/client";
import { getEnv } from "@/lib/env";

nextEnv.loadEnvConfig(process.cwd());
const url = getEnv().DATABASE_URL;
const store = createStore(url, { poolSize: 1 });
try {
  await store.ready();
} finally {
  store.close();
}
console.log(`Migrated ${describeDatabase(url)}`);
