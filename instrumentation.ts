// Runs once when the server starts, before it takes requests: check the configuration,
// open and migrate the database, and warm what the first requests would otherwise pay for.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("./lib/startup");
  await startServer();
}
