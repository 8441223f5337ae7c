import { DEFAULT_FAKE_USERS, startFakeOAuthProvider } from "./server";

// `npm run fake-oauth`: the fake Google and GitHub for local development. Prints the
// environment that points the app at it; see docs/social-login.md.
//
//   FAKE_OAUTH_PORT  port to listen on (default 4010)
//   APP_URL          the app whose callbacks it accepts (default http://localhost:3000)

const port = Number(process.env.FAKE_OAUTH_PORT || 4010);
const appUrl = (process.env.APP_URL || "http://localhost:3000").replace(/\/+$/, "");

// Fixed credentials, so the printed .env lines stay valid across restarts. They are
// only ever accepted by this fake.
const fake = await startFakeOAuthProvider({
  port,
  users: DEFAULT_FAKE_USERS,
  clients: {
    google: { clientId: "fake-google-client", clientSecret: "fake-google-secret" },
    github: { clientId: "fake-github-client", clientSecret: "fake-github-secret" },
  },
  // A developer may take a while on the consent page; codes still expire.
  codeTtlMs: 5 * 60_000,
});
for (const provider of ["google", "github"] as const) {
  fake.registerRedirectUri(provider, `${appUrl}/api/auth/social/${provider}/callback/`);
}

console.log(`Fake OAuth provider (Google and GitHub) on ${fake.url}, accepting callbacks of ${appUrl}.`);
console.log("Test users:", fake.users.map((u) => `${u.login} <${u.email ?? "no email"}>${u.email ? (u.emailVerified ? " verified" : " unverified") : ""}`).join(", "));
console.log("\nPut these in .env (or export them) and start the app:\n");
for (const [name, value] of Object.entries(fake.env())) console.log(`${name}=${value}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void fake.stop().then(() => process.exit(0)));
}
