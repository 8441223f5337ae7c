import { describe, expect, it } from "vitest";
import { startAppWithFakeProvider } from "../../e2e/fake-oauth/drive";
import { ApiClient, type ApiResponse } from "../support/client";
import { linkIn } from "../support/fake-resend";
import { inProcessAppPerTest, startInProcessApp } from "../support/in-process-app";

// docs/security.md, attacked through the API in-process: account pre-hijacking, brute
// force in parallel, floods, forged proxy headers and email bombing. Each test starts
// the app with the settings it is about. A production start and a careless deployment
// need processes of their own: tests/integration/production.test.ts.

const PASSWORD = "lantern orchard seventeen";
const { app, defer } = inProcessAppPerTest();

const register = (client: ApiClient, username: string, email: string, password = PASSWORD) =>
  client.post("/api/auth/register/", { username, email, password });
const login = (client: ApiClient, email: string, password = PASSWORD, headers: Record<string, string> = {}) =>
  client.post("/api/auth/login/", { email, password }, headers);
const me = (url: string, access: string) => new ApiClient(url).get("/api/auth/me/", { authorization: `Bearer ${access}` });

/** What an observer sees of a response: everything but the per-request id and the date. */
function observable(response: ApiResponse) {
  const headers = [...response.headers].filter(([name]) => !["x-request-id", "date"].includes(name));
  return { status: response.status, headers, body: JSON.stringify(response.body) };
}

describe("account pre-hijacking: the squatter keeps nothing", () => {
  it("hands the account to the owner who registers later: the squatter's password, sessions and providers all die", async () => {
    const { app: server, fake } = await startAppWithFakeProvider({ start: (options) => startInProcessApp(options, true) });
    defer(async () => {
      await server.stop();
      await fake.stop();
    });
    const victim = "victim@corp.example";

    // The attacker registers the victim's address with their own password and signs in.
    const attacker = new ApiClient(server.url);
    expect((await register(attacker, "squatter", victim, "attacker's own passphrase")).status).toBe(201);
    const attackerLogin = await login(attacker, victim, "attacker's own passphrase");
    expect(attackerLogin.status).toBe(200);
    expect(attackerLogin.body.user.email_verified).toBe(false);
    const attackerAccess: string = attackerLogin.body.access;

    // Linking their own GitHub is refused before the trip to GitHub, and stores nothing.
    const link = await attacker.get("/api/auth/social/github/?intent=link");
    expect(link.headers.get("location")).toBe(`${server.url}/profile/?error=email_not_verified`);
    const userId = ((await server.db().get("select id from users where email = ?", victim)) as { id: number }).id;
    expect(await server.db().get("select count(*) as n from social_accounts")).toEqual({ n: 0 });
    // A provider linked before that rule existed (a database carried over from then).
    await server.db().run("insert into social_accounts (user_id, provider, provider_user_id, email) values (?, 'github', 'gh-attacker', 'attacker@evil.example')", userId);
    // No second factor either: a passkey would sign in alone after the owner's claim. A
    // well-formed registration, so that the account is what is refused, not the body.
    const bearer = { authorization: `Bearer ${attackerAccess}` };
    const registration = {
      name: "attacker key",
      response: { id: "cred", rawId: "cred", type: "public-key", response: { clientDataJSON: "e30", attestationObject: "AAAA" }, clientExtensionResults: {} },
    };
    for (const path of ["/api/auth/mfa/totp/setup/", "/api/auth/passkeys/register/options/", "/api/auth/passkeys/register/"]) {
      const refused = await attacker.request("POST", path, { json: registration, headers: bearer });
      expect(refused.status, path).toBe(403);
      expect(refused.body.code, path).toBe("email_not_verified");
    }
    // A passkey and a TOTP secret made before that rule existed.
    await server.db().run("insert into passkeys (id, user_id, credential_id, public_key, device_type, user_handle, name) values ('pk-attacker', ?, 'cred-attacker', 'key', 'singleDevice', 'handle', 'attacker key')", userId);
    await server.db().run("insert into totp_credentials (user_id, encrypted_secret) values (?, 'v1.x.y.z.w')", userId);

    // The owner registers. The answer is the one anybody gets for a new address.
    const owner = new ApiClient(server.url);
    const before = server.mail.messages.length;
    const ownersRegistration = await register(owner, "owner", victim, "the owner's passphrase");
    const strangersRegistration = await register(new ApiClient(server.url), "stranger", "stranger@corp.example");
    expect(observable(ownersRegistration)).toEqual(observable(strangersRegistration));

    // The owner's mailbox gets a claim link, not a verification link that would confirm
    // the attacker's password.
    const claim = await server.mail.waitForEmail(victim, { after: before, subject: /claim/i });
    expect(claim.text).toContain("started earlier but never confirmed");
    expect(claim.text).not.toContain("/verify-email/");
    const token = new URL(linkIn(claim, `${server.url}/reset-password/?token=`)).searchParams.get("token")!;
    const newPassword = "the owner's brand new passphrase";
    const confirmed = await owner.post("/api/auth/password/reset/confirm/", { token, password: newPassword });
    expect(confirmed.status).toBe(200);

    // Everything the attacker held is dead: password, refresh cookie, access token, GitHub.
    expect((await login(new ApiClient(server.url), victim, "attacker's own passphrase")).status).toBe(400);
    expect((await attacker.post("/api/auth/token/refresh/")).status).toBe(401);
    expect((await me(server.url, attackerAccess)).status).toBe(401);
    expect(await server.db().get("select count(*) as n from social_accounts where user_id = ?", userId)).toEqual({ n: 0 });
    expect(await server.db().get("select count(*) as n from passkeys where user_id = ?", userId)).toEqual({ n: 0 });
    expect(await server.db().get("select count(*) as n from totp_credentials where user_id = ?", userId)).toEqual({ n: 0 });
    expect(server.logs()).toMatch(/WARN reset of an unverified account removed its providers and passkeys .*"removed":2/);

    // The owner signs in, verified.
    const ownerLogin = await login(owner, victim, newPassword);
    expect(ownerLogin.status).toBe(200);
    expect(ownerLogin.body.user).toMatchObject({ id: userId, email: victim, email_verified: true });
    expect((await me(server.url, ownerLogin.body.access)).body.providers).toEqual([]);
  });
});

describe("account pre-hijacking: a squatter cannot get the owner to confirm the squatter's password", () => {
  it("spends the squatter's verification links when the owner registers, even with the hourly cap spent", async () => {
    const server = await app({ env: { RATE_LIMIT_EMAIL_PER_ADDRESS: "3" } });
    const victim = "dave@corp.example";
    const squatter = new ApiClient(server.url);
    await register(squatter, "dave.smith", victim, "the squatter's passphrase");
    const access = (await login(squatter, victim, "the squatter's passphrase")).body.access as string;
    // Signed in, the squatter fills the owner's mailbox with verification links until the
    // hourly cap is spent.
    for (let i = 0; i < 2; i++) await squatter.post("/api/auth/verify-email/resend/", undefined, { authorization: `Bearer ${access}` });
    await expect.poll(() => server.mail.messages.length, { timeout: 5000 }).toBe(3);
    expect(new Set(server.mail.messages.map((m) => m.subject))).toEqual(new Set(["Verify your email address"]));
    const verificationLinks = server.mail.messages.map((m) => new URL(linkIn(m, `${server.url}/verify-email/?token=`)).searchParams.get("token")!);

    // The owner registers: the cap holds the claim back, but every verification link the
    // squatter put in the mailbox is dead.
    expect((await register(new ApiClient(server.url), "dave", victim, "the owner's passphrase")).status).toBe(201);
    for (const token of verificationLinks) {
      const clicked = await squatter.get(`/api/auth/verify-email/?token=${encodeURIComponent(token)}`);
      expect(clicked.status).toBe(400);
      expect(clicked.body).toEqual({ detail: "Invalid or expired token" });
    }
    expect((await me(server.url, access)).body.email_verified).toBe(false);
    expect(server.mail.messages).toHaveLength(3); // the claim was held back by the cap
  });

  it("answers a resend asked by address with a claim link: anyone may be asking", async () => {
    const server = await app();
    const client = new ApiClient(server.url);
    await register(client, "started", "started@corp.example");
    const first = await server.mail.waitForEmail("started@corp.example", { subject: /verify/i });
    const before = server.mail.messages.length;
    expect((await client.post("/api/auth/verify-email/resend/", { email: "started@corp.example" })).status).toBe(202);
    const claim = await server.mail.waitForEmail("started@corp.example", { after: before });
    expect(claim.subject).toBe("Claim your Gatehouse account");
    expect(claim.text).toContain("asked Gatehouse for a new confirmation email");
    const oldToken = new URL(linkIn(first, `${server.url}/verify-email/?token=`)).searchParams.get("token")!;
    expect((await client.get(`/api/auth/verify-email/?token=${encodeURIComponent(oldToken)}`)).status).toBe(400);
  });
});

describe("brute force", () => {
  it("lets a parallel burst of wrong passwords run no more checks than the budget", async () => {
    const server = await app({ relaxedLimits: false, env: { RATE_LIMIT_LOGIN_FAILURES: "5", RATE_LIMIT_LOGIN_PER_IP: "1000" } });
    const client = new ApiClient(server.url);
    await register(client, "burst", "burst@example.com");
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => login(client, "burst@example.com", `wrong guess ${i}`)));
    const statuses = burst.map((r) => r.status).sort();
    // 400 is a password that was checked; 429 is a try refused before any check.
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    for (const refused of burst.filter((r) => r.status === 429)) expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Even the right password waits out the lock.
    expect((await login(client, "burst@example.com")).status).toBe(429);
  });

  it("lifts an address's lockout when a password reset completes", async () => {
    const server = await app({ relaxedLimits: false, env: { RATE_LIMIT_LOGIN_FAILURES: "3", RATE_LIMIT_LOGIN_PER_IP: "1000" } });
    const client = new ApiClient(server.url);
    await register(client, "forgetful", "forgetful@example.com");
    for (let i = 0; i < 3; i++) expect((await login(client, "forgetful@example.com", "not it at all")).status).toBe(400);
    expect((await login(client, "forgetful@example.com")).status).toBe(429);

    const before = server.mail.messages.length;
    expect((await client.post("/api/auth/password/reset/", { email: "forgetful@example.com" })).status).toBe(202);
    const mail = await server.mail.waitForEmail("forgetful@example.com", { after: before, subject: /reset your password/i });
    const token = new URL(linkIn(mail, `${server.url}/reset-password/?token=`)).searchParams.get("token")!;
    const newPassword = "remembered at last, for good";
    expect((await client.post("/api/auth/password/reset/confirm/", { token, password: newPassword })).status).toBe(200);
    expect((await login(client, "forgetful@example.com", newPassword)).status).toBe(200);
  });

  it("kills outstanding reset links when the password is changed", async () => {
    const server = await app();
    const client = new ApiClient(server.url);
    await register(client, "changer", "changer@example.com");
    const before = server.mail.messages.length;
    await client.post("/api/auth/password/reset/", { email: "changer@example.com" });
    const mail = await server.mail.waitForEmail("changer@example.com", { after: before, subject: /reset your password/i });
    const token = new URL(linkIn(mail, `${server.url}/reset-password/?token=`)).searchParams.get("token")!;
    const access = (await login(client, "changer@example.com")).body.access as string;
    const changed = await client.post(
      "/api/auth/password/change/",
      { current_password: PASSWORD, new_password: "the owner's new passphrase" },
      { authorization: `Bearer ${access}` },
    );
    expect(changed.status).toBe(200);
    const stale = await client.post("/api/auth/password/reset/confirm/", { token, password: "a thief's passphrase now" });
    expect(stale.status).toBe(400);
    expect(stale.body).toEqual({ detail: "Invalid or expired token" });
  });

  it("counts wrong current passwords on password change toward the same budget, then answers 429", async () => {
    const server = await app({ relaxedLimits: false, env: { RATE_LIMIT_LOGIN_FAILURES: "3", RATE_LIMIT_LOGIN_PER_IP: "1000" } });
    const client = new ApiClient(server.url);
    await register(client, "stolen", "stolen@example.com");
    const access = (await login(client, "stolen@example.com")).body.access as string;
    const change = (current: string) =>
      client.post("/api/auth/password/change/", { current_password: current, new_password: "a thief's new passphrase" }, { authorization: `Bearer ${access}` });

    for (let i = 0; i < 3; i++) {
      const guess = await change(`guess number ${i}`);
      expect(guess.status).toBe(400);
      expect(guess.body).toEqual({ current_password: ["Incorrect password"] });
    }
    const locked = await change(PASSWORD);
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(locked.body).toEqual({ detail: `Too many requests. Try again in ${retryAfter} seconds.` });
    // One budget: the login form is locked too.
    expect((await login(new ApiClient(server.url), "stolen@example.com")).status).toBe(429);
    expect(await server.db().get("select count(*) as n from emails where subject like '%changed%'")).toEqual({ n: 0 });
  });

  it("keeps login, password change and code exchange in separate per-IP buckets", async () => {
    const server = await app({ relaxedLimits: false, env: { RATE_LIMIT_LOGIN_PER_IP: "2", RATE_LIMIT_LOGIN_FAILURES: "100" } });
    const client = new ApiClient(server.url);
    for (let i = 0; i < 2; i++) expect((await login(client, `x${i}@example.com`, "whatever it is")).status).toBe(400);
    expect((await login(client, "x9@example.com", "whatever it is")).status).toBe(429);
    // The other two still have their whole budget.
    expect((await client.post("/api/auth/password/change/", {})).status).toBe(401);
    const exchange = { code: "a-code", code_verifier: "v".repeat(43), redirect_uri: `${server.url}/callback` };
    expect((await client.post("/api/auth/social/github/", exchange)).status).toBe(404);
  });
});

describe("per-IP limits key clients, not addresses", () => {
  const from = (client: ApiClient, forwardedFor: string) => login(client, "nobody@example.com", "some password", { "x-forwarded-for": forwardedFor });

  it("keys IPv6 clients by their /64 and IPv4-mapped IPv6 as IPv4", async () => {
    const server = await app({ relaxedLimits: false, env: { TRUST_PROXY: "true", RATE_LIMIT_LOGIN_PER_IP: "2", RATE_LIMIT_LOGIN_FAILURES: "1000" } });
    const client = new ApiClient(server.url);
    expect((await from(client, "2001:db8:1:2::1")).status).toBe(400);
    expect((await from(client, "2001:db8:1:2:ffff:ffff:ffff:9")).status).toBe(400);
    // A third address from the same /64 is the same client.
    expect((await from(client, "2001:DB8:1:2:abcd::5")).status).toBe(429);
    // The next /64 is another client.
    expect((await from(client, "2001:db8:1:3::1")).status).toBe(400);

    expect((await from(client, "198.51.100.7")).status).toBe(400);
    expect((await from(client, "::ffff:198.51.100.7")).status).toBe(400);
    expect((await from(client, "::ffff:c633:6407")).status).toBe(429);
  });

  it("reads ip:port and [ipv6]:port from a proxy as the address, and never makes a bucket of a string", async () => {
    const server = await app({ relaxedLimits: false, env: { TRUST_PROXY: "true", RATE_LIMIT_LOGIN_PER_IP: "2", RATE_LIMIT_LOGIN_FAILURES: "1000" } });
    const client = new ApiClient(server.url);
    expect((await from(client, "198.51.100.7:40001")).status).toBe(400);
    expect((await from(client, "198.51.100.7:40002")).status).toBe(400);
    expect((await from(client, "198.51.100.7:40003")).status).toBe(429);
    expect((await from(client, "[2001:db8::1]:443")).status).toBe(400);
    expect((await from(client, "[2001:db8::2]:444")).status).toBe(400);
    expect((await from(client, "2001:db8::3")).status).toBe(429);
    // Strings that are no address share one bucket: typing a new one gains nothing.
    expect((await from(client, "garbage-1")).status).toBe(400);
    expect((await from(client, "garbage-2")).status).toBe(400);
    expect((await from(client, "garbage-3")).status).toBe(429);
  });

  it("with TRUST_PROXY=2 takes the address the outer proxy saw, whatever the client wrote to the left of it", async () => {
    const server = await app({ relaxedLimits: false, env: { TRUST_PROXY: "2", RATE_LIMIT_LOGIN_PER_IP: "2", RATE_LIMIT_LOGIN_FAILURES: "1000" } });
    const client = new ApiClient(server.url);
    // client → CDN (appends 203.0.113.9) → load balancer (appends the CDN's 10.0.0.2).
    expect((await from(client, "203.0.113.9, 10.0.0.2")).status).toBe(400);
    expect((await from(client, "1.1.1.1, 203.0.113.9, 10.0.0.3")).status).toBe(400);
    expect((await from(client, "9.9.9.9, 8.8.8.8, 203.0.113.9, 10.0.0.2")).status).toBe(429);
    expect((await from(client, "203.0.113.10, 10.0.0.2")).status).toBe(400);
  });
});

describe("email bombing", () => {
  it("sends an address at most RATE_LIMIT_EMAIL_PER_ADDRESS emails an hour, answering the same past the cap", async () => {
    const server = await app({ env: { RATE_LIMIT_EMAIL_PER_ADDRESS: "3" } });
    const client = new ApiClient(server.url);
    const target = "Someone@Example.com";
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(observable(await register(client, `bomber${i}`, i % 2 ? target.toLowerCase() : target)));
    for (let i = 0; i < 3; i++) {
      answers.push(observable(await client.post("/api/auth/password/reset/", { email: target })));
      answers.push(observable(await client.post("/api/auth/verify-email/resend/", { email: target })));
    }
    expect(new Set(answers.slice(0, 8).map((a) => JSON.stringify(a))).size).toBe(1);
    for (const answer of answers.slice(8)) expect(answer.status).toBe(202);

    // The outbox holds every message that will ever leave for the address (a send past
    // the cap is never queued), and each request's delivery has run once it answered.
    const subjects = ["Verify your email address", "Claim your Gatehouse account", "Claim your Gatehouse account"];
    const queued = await server.db().all<{ subject: string }>("select subject from emails where recipient_key = ? order by id", "someone@example.com");
    expect(queued.map((m) => m.subject)).toEqual(subjects);
    const received = server.mail.messages.filter((m) => JSON.stringify(m.to).toLowerCase().includes("someone@example.com"));
    expect(received.map((m) => m.subject)).toEqual(subjects);
    expect(server.logs()).toMatch(/INFO email not sent: hourly cap for this address reached/);
    // Another address is not affected.
    await register(client, "bystander", "bystander@example.com");
    await server.mail.waitForEmail("bystander@example.com");
  });

  it("counts victim+1@, victim+2@ … as the one mailbox they deliver to", async () => {
    const server = await app({ env: { RATE_LIMIT_EMAIL_PER_ADDRESS: "3" } });
    const client = new ApiClient(server.url);
    for (let i = 1; i <= 6; i++) expect((await register(client, `plus${i}`, `victim+${i}@example.com`)).status).toBe(201);
    // Every message that will ever leave for that mailbox is in the outbox (none past the cap).
    expect(await server.db().all("select \"to\" from emails where recipient_key = ?", "victim@example.com")).toHaveLength(3);
    expect(server.mail.messages.filter((m) => JSON.stringify(m.to).includes("victim+"))).toHaveLength(3);
  });

  it("never holds back a notice of a proven action, even once the cap is spent", async () => {
    const server = await app({ env: { RATE_LIMIT_EMAIL_PER_ADDRESS: "1" } });
    const client = new ApiClient(server.url);
    await register(client, "noticed", "noticed@example.com"); // the one capped email
    expect((await client.post("/api/auth/password/reset/", { email: "noticed@example.com" })).status).toBe(202);
    const access = (await login(client, "noticed@example.com")).body.access as string;
    const changed = await client.post(
      "/api/auth/password/change/",
      { current_password: PASSWORD, new_password: "a fresh and different passphrase" },
      { authorization: `Bearer ${access}` },
    );
    expect(changed.status).toBe(200);
    await server.mail.waitForEmail("noticed@example.com", { subject: /password was changed/i });
    expect(server.mail.messages.filter((m) => /reset your password/i.test(m.subject))).toEqual([]);
  });
});

describe("signals", () => {
  it("logs refresh-token reuse at warn with ids only, and tells the owner by email", async () => {
    const server = await app();
    const client = new ApiClient(server.url);
    await register(client, "reused", "reused@example.com");
    const loggedIn = await login(client, "reused@example.com");
    const stolen = client.cookies.get("refresh_token")!;
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(200);
    // The rotation happened a minute ago: past the 30-second grace window.
    await server.db().run("update refresh_tokens set rotated_at = rotated_at - 60000 where rotated_at is not null");

    const thief = new ApiClient(server.url);
    thief.cookies.set("refresh_token", stolen);
    expect((await thief.post("/api/auth/token/refresh/")).status).toBe(401);
    const userId = loggedIn.body.user.id as number;
    const sessionId = ((await server.db().get("select id from sessions where user_id = ?", userId)) as { id: string }).id;
    expect(server.logs()).toContain(`WARN refresh token reused after rotation: session revoked`);
    expect(server.logs()).toMatch(new RegExp(`"userId":${userId},"sessionId":"${sessionId}"`));
    expect(server.logs()).not.toContain(stolen);
    const notice = await server.mail.waitForEmail("reused@example.com", { subject: /signed out for your safety/i });
    expect(notice.text).toContain("used twice");
    expect(notice.text).toContain("change your password");
    // The session is dead for its rightful holder too.
    expect((await client.post("/api/auth/token/refresh/")).status).toBe(401);
  });
});
