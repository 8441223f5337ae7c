import Database from "better-sqlite3";

// Arranging state a browser cannot reach (an expired link, a linked provider account)
// straight in the running app's SQLite file, as the brief allows. WAL mode lets this
// connection write while the server has the file open.

function withDb<T>(dbPath: string | undefined, run: (db: Database.Database) => T): T {
  if (!dbPath) throw new Error("E2E_DB_PATH is not set: run the suite through playwright.config.ts");
  const db = new Database(dbPath);
  try {
    db.pragma("busy_timeout = 5000");
    return run(db);
  } finally {
    db.close();
  }
}

/** The main server's database, or the one of the server with providers configured. */
const pathOf = (server: "main" | "providers") =>
  server === "main" ? process.env.E2E_DB_PATH : process.env.E2E_PROVIDERS_DB_PATH;

/** Make every outstanding verification link of this address expired. */
export function expireVerificationLinks(email: string): number {
  return withDb(pathOf("main"), (db) => {
    const result = db
      .prepare(
        `UPDATE email_verification_tokens SET expires_at = ?
         WHERE user_id = (SELECT id FROM users WHERE lower(email) = lower(?))`,
      )
      .run(Date.now() - 60_000, email);
    return result.changes;
  });
}

/** Make every outstanding password-reset link of this address expired. */
export function expireResetLinks(email: string): number {
  return withDb(pathOf("main"), (db) => {
    const result = db
      .prepare(
        `UPDATE password_reset_tokens SET expires_at = ?
         WHERE used_at IS NULL AND user_id = (SELECT id FROM users WHERE lower(email) = lower(?))`,
      )
      .run(Date.now() - 60_000, email);
    return result.changes;
  });
}

/** Mark an address verified, as its emailed link would (the link has its own journey). */
export function markEmailVerified(email: string, server: "main" | "providers" = "main"): void {
  withDb(pathOf(server), (db) => {
    db.prepare("UPDATE users SET email_verified = 1 WHERE lower(email) = lower(?)").run(email);
  });
}

/** Record that this user signed in with a provider once (the OAuth dance itself is another suite's). */
export function linkProviderAccount(input: { email: string; provider: "google" | "github"; withoutPassword?: boolean }): void {
  withDb(pathOf("providers"), (db) => {
    const user = db.prepare("SELECT id FROM users WHERE lower(email) = lower(?)").get(input.email) as { id: number } | undefined;
    if (!user) throw new Error(`no user ${input.email}`);
    db.prepare("INSERT INTO social_accounts (user_id, provider, provider_user_id, email) VALUES (?, ?, ?, ?)").run(
      user.id,
      input.provider,
      `e2e-${user.id}-${input.provider}`,
      input.email,
    );
    if (input.withoutPassword) db.prepare("UPDATE users SET password_hash = NULL WHERE id = ?").run(user.id);
  });
}

/** Make every session of this address older than REAUTH_MAX_AGE, as if signed in an hour ago. */
export function ageSessions(email: string): number {
  return withDb(pathOf("main"), (db) => {
    const result = db
      .prepare(
        `UPDATE sessions SET created_at = ?
         WHERE user_id = (SELECT id FROM users WHERE lower(email) = lower(?))`,
      )
      .run(Date.now() - 3_600_000, email);
    db.prepare(
      `DELETE FROM session_reauthentications
       WHERE session_id IN (SELECT id FROM sessions WHERE user_id = (SELECT id FROM users WHERE lower(email) = lower(?)))`,
    ).run(email);
    return result.changes;
  });
}

/** Make the account an administrator, as `npm run admin -- grant` does (the CLI has its own test). */
export function grantAdmin(email: string): void {
  withDb(pathOf("main"), (db) => {
    db.prepare("UPDATE users SET role = 'admin' WHERE lower(email) = lower(?)").run(email);
  });
}
