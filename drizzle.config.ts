import { defineConfig } from "drizzle-kit";

// drizzle-kit only needs the schema to generate SQL migrations into db/migrations;
// the app applies them itself at startup (db/client.ts).
export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema.ts",
  out: "./db/migrations",
  dbCredentials: { url: process.env.DATABASE_URL?.replace(/^file:/, "") ?? "./data/gatehouse.db" },
  strict: true,
  verbose: true,
});
