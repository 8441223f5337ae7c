import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { getDb } from "@/lib/db";
import { totpCredentials } from "@/db/schema";
import { loginWithPassword } from "@/lib/auth/login";
import { startTotpSetup } from "@/lib/auth/mfa/enrolment";
import { getEnv } from "@/lib/env";
import { hashingQueue } from "@/lib/auth/password";
import { authenticateAccessToken } from "@/lib/auth/session";
import { LoginSchema } from "@/lib/validation";
import { PASSWORD, createUser, rawRows } from "./helpers";

// docs/api.md, POST login; docs/security.md, No account enumeration and Abuse limits: unknown
// email, wrong password and social-only account are indistinguishable (a real argon2
// verification in every case); 5 failures per 15 minutes lock the address with
// exponential backoff up to 15 minutes; a success resets it.

const client = { userAgent: "vitest", ip: "198.51.100.4" };
const login = (email: string, password: string) => loginWithPassword(LoginSchema.parse({ email, password }), client);
const INVALID = { ok: false, reason: "invalid_credentials" };

describe("success", () => {
  it("starts a session and returns the user", async () => {
    const user = await createUser({ email: "ok@example.com" });
    const result = await login("ok@example.com", PASSWORD);
    if (!result.ok || result.kind !== "session") throw new Error("no session");
    expect(result.user.id).toBe(user.id);
    expect(result.grant.refresh?.token).toBeTruthy();
    const auth = await authenticateAccessToken(result.grant.access);
    expect(auth.ok && auth.user.id).toBe(user.id);
    expect(rawRows("sessions")).toEqual([
      expect.objectContaining({ id: result.grant.sessionId, user_id: user.id, user_agent: "vitest", ip: "198.51.100.4" }),
    ]);
  });

  it("finds the account without regard to the case of the address", async () => {
    await createUser({ email: "Mixed.Case@example.com" });
    expect((await login("mixed.case@EXAMPLE.com", PASSWORD)).ok).toBe(true);
    expect((await login("MIXED.CASE@example.com", PASSWORD)).ok).toBe(true);
  });

  it("asks for the second step when TOTP was turned on while the password was being checked", async () => {
    // A login reads the account, then waits for argon2, which a flood can make long. A
    // user who turns TOTP on meanwhile must not see that login end in a full session.
    const user = await createUser({ email: "racing@example.com" });
    const queue = hashingQueue();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Every hashing slot held, so the login's verification waits in line.
    const holders = Array.from({ length: getEnv().PASSWORD_HASH_CONCURRENCY }, () => queue.run(() => held));
    const pending = login("racing@example.com", PASSWORD);
    while (queue.queued === 0) await new Promise((resolve) => setImmediate(resolve));

    const setup = await startTotpSetup(user);
    expect(setup.ok).toBe(true);
    await getDb().update(totpCredentials).set({ confirmedAt: new Date() }).where(eq(totpCredentials.userId, user.id));
    release();
    await Promise.all(holders);
    expect(await pending).toMatchObject({ ok: true, kind: "mfa_required" });
    expect(rawRows("sessions")).toHaveLength(0);
  });

  it("works before the email is verified, by default", async () => {
    await createUser({ email: "fresh@example.com", emailVerified: false });
    const result = await login("fresh@example.com", PASSWORD);
    expect(result.ok && result.user.emailVerified).toBe(false);
  });
});

describe("invalid credentials", () => {
  it("are the same answer for an unknown email, a wrong password and a social-only account", async () => {
    await createUser({ email: "known@example.com" });
    await createUser({ email: "social@example.com", password: null, emailVerified: true });
    expect(await login("nobody@example.com", PASSWORD)).toEqual(INVALID);
    expect(await login("known@example.com", "not the password")).toEqual(INVALID);
    expect(await login("social@example.com", PASSWORD)).toEqual(INVALID);
    // A social-only account offered an empty-ish password is no different.
    expect(await login("social@example.com", " ")).toEqual(INVALID);
    expect(rawRows("sessions")).toHaveLength(0);
  });

  it("cost one real argon2 verification each, whichever the case", async () => {
    await createUser({ email: "known@example.com" });
    await createUser({ email: "social@example.com", password: null });
    const run = vi.spyOn(hashingQueue(), "run");
    const counts: number[] = [];
    for (const [email, password] of [
      ["nobody@example.com", PASSWORD],
      ["known@example.com", "not the password"],
      ["social@example.com", PASSWORD],
    ] as const) {
      const before = run.mock.calls.length;
      await login(email, password);
      counts.push(run.mock.calls.length - before);
    }
    expect(counts).toEqual([1, 1, 1]);
    for (const result of run.mock.results) expect(await result.value).toBe(false);
  });
});

describe("REQUIRE_VERIFIED_EMAIL=true", () => {
  it("answers email_not_verified only to someone who has just proven the password", async () => {
    process.env.REQUIRE_VERIFIED_EMAIL = "true";
    await createUser({ email: "pending@example.com", emailVerified: false });
    expect(await login("pending@example.com", "not the password")).toEqual(INVALID);
    expect(await login("pending@example.com", PASSWORD)).toEqual({ ok: false, reason: "email_not_verified" });
    expect(rawRows("sessions")).toHaveLength(0);
  });

  it("lets a verified account in", async () => {
    process.env.REQUIRE_VERIFIED_EMAIL = "true";
    await createUser({ email: "done@example.com", emailVerified: true });
    expect((await login("done@example.com", PASSWORD)).ok).toBe(true);
  });
});

describe("lockout", () => {
  const start = new Date("2030-01-01T00:00:00Z").getTime();

  function freezeClock() {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
  }
  const at = (seconds: number) => vi.setSystemTime(start + seconds * 1000);

  it("locks the address after RATE_LIMIT_LOGIN_FAILURES failures, even for the right password", async () => {
    freezeClock();
    await createUser({ email: "target@example.com" });
    for (let i = 0; i < 4; i++) expect(await login("target@example.com", `guess ${i}`)).toEqual(INVALID);
    // The 5th failure locks it (the next test shows that 4 do not).
    expect(await login("target@example.com", "guess 4")).toEqual(INVALID);
    expect(await login("target@example.com", PASSWORD)).toEqual({ ok: false, reason: "locked", retryAfter: 60 });
    expect(await login("target@example.com", "guess 5")).toEqual({ ok: false, reason: "locked", retryAfter: 60 });
    at(30);
    expect(await login("target@example.com", PASSWORD)).toEqual({ ok: false, reason: "locked", retryAfter: 30 });
  });

  it("does not lock before the limit", async () => {
    freezeClock();
    await createUser({ email: "target@example.com" });
    for (let i = 0; i < 4; i++) await login("target@example.com", `guess ${i}`);
    expect((await login("target@example.com", PASSWORD)).ok).toBe(true);
  });

  it("doubles the lockout on each further failure", async () => {
    freezeClock();
    await createUser({ email: "target@example.com" });
    for (let i = 0; i < 5; i++) await login("target@example.com", `guess ${i}`);
    expect(await login("target@example.com", "x")).toMatchObject({ reason: "locked", retryAfter: 60 });

    at(61);
    expect(await login("target@example.com", "guess 6")).toEqual(INVALID);
    expect(await login("target@example.com", PASSWORD)).toMatchObject({ reason: "locked", retryAfter: 120 });

    at(61 + 121);
    expect(await login("target@example.com", "guess 7")).toEqual(INVALID);
    expect(await login("target@example.com", PASSWORD)).toMatchObject({ reason: "locked", retryAfter: 240 });

    at(61 + 121 + 241);
    expect(await login("target@example.com", "guess 8")).toEqual(INVALID);
    expect(await login("target@example.com", PASSWORD)).toMatchObject({ reason: "locked", retryAfter: 480 });
  });

  it("locks unknown addresses the same way (no enumeration)", async () => {
    freezeClock();
    for (let i = 0; i < 5; i++) expect(await login("ghost@example.com", `guess ${i}`)).toEqual(INVALID);
    expect(await login("ghost@example.com", "guess 5")).toEqual({ ok: false, reason: "locked", retryAfter: 60 });
  });

  it("locks the address whatever the case it is typed in, and only that address", async () => {
    freezeClock();
    await createUser({ email: "target@example.com" });
    await createUser({ email: "bystander@example.com" });
    const spellings = ["target@example.com", "TARGET@example.com", "Target@Example.com", "target@EXAMPLE.COM", "tArGeT@example.com"];
    for (const email of spellings) await login(email, "wrong");
    expect(await login("target@example.com", PASSWORD)).toMatchObject({ reason: "locked" });
    expect((await login("bystander@example.com", PASSWORD)).ok).toBe(true);
  });

  it("is reset by a successful login", async () => {
    freezeClock();
    await createUser({ email: "target@example.com" });
    for (let i = 0; i < 5; i++) await login("target@example.com", `guess ${i}`);
    at(61);
    expect((await login("target@example.com", PASSWORD)).ok).toBe(true);
    // A fresh allowance: four failures do not lock, and the next lock is 60 s again.
    for (let i = 0; i < 4; i++) expect(await login("target@example.com", `again ${i}`)).toEqual(INVALID);
    expect((await login("target@example.com", PASSWORD)).ok).toBe(true);
    for (let i = 0; i < 5; i++) await login("target@example.com", `third ${i}`);
    expect(await login("target@example.com", PASSWORD)).toMatchObject({ reason: "locked", retryAfter: 60 });
  });

  it("honours RATE_LIMIT_LOGIN_FAILURES", async () => {
    freezeClock();
    process.env.RATE_LIMIT_LOGIN_FAILURES = "2";
    await createUser({ email: "target@example.com" });
    await login("target@example.com", "one");
    expect((await login("target@example.com", PASSWORD)).ok).toBe(true);
    await login("target@example.com", "one");
    await login("target@example.com", "two");
    expect(await login("target@example.com", PASSWORD)).toMatchObject({ reason: "locked" });
  });

  it("counts failures over 15 minutes", async () => {
    freezeClock();
    await createUser({ email: "target@example.com" });
    for (let i = 0; i < 4; i++) await login("target@example.com", `guess ${i}`);
    at(15 * 60 + 1);
    // The window has passed: this failure is the first of a new one.
    expect(await login("target@example.com", "late guess")).toEqual(INVALID);
    expect((await login("target@example.com", PASSWORD)).ok).toBe(true);
  });
});
