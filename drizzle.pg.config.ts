import { defineConfig } from "drizzle-kit";

// The PostgreSQL twin of drizzle.config.ts: `npm run db:generate` runs both, so a schema
// change gets a migration for each database (db/migrations, db/migrations-pg). The app
// applies them itself at startup (db/postgres.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema-pg.ts",
  out: "./db/migrations-pg",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://localhost/gatehouse" },
  strict: true,
  verbose: true,
});
