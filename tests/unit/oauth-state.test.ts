import { describe, expect, it } from "vitest";
import { checkOAuthState, createOAuthState, OAUTH_STATE_TTL_SECONDS, readOAuthIntent } from "@/lib/auth/oauth/state";

// The state cookie (docs/security.md, OAuth): 32 random bytes of state and verifier, ten
// minutes, bound to one provider, `next` kept to a same-origin path.

const decode = (cookie: string) => JSON.parse(Buffer.from(cookie, "base64url").toString());
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("createOAuthState", () => {
  it("makes a fresh 256-bit state and verifier each time, expiring in ten minutes", async () => {
    const now = 1_700_000_000_000;
    const a = createOAuthState({ provider: "github", next: "/profile/", intent: "login", sessionId: null, now });
    const b = createOAuthState({ provider: "github", next: "/profile/", intent: "login", sessionId: null, now });
    expect(a.value.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.value.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.value.state).not.toBe(b.value.state);
    expect(a.value.codeVerifier).not.toBe(b.value.codeVerifier);
    expect(a.value.expiresAt).toBe(now + OAUTH_STATE_TTL_SECONDS * 1000);
    expect(OAUTH_STATE_TTL_SECONDS).toBe(600);
    expect(decode(a.cookie)).toEqual(a.value);
  });

  it.each(["//evil.example", "https://evil.example", "/\\evil.example", null, ""])("stores next=%s as /profile/", (next) => {
    expect(createOAuthState({ provider: "google", next, intent: "login", sessionId: null }).value.next).toBe("/profile/");
  });
});

describe("checkOAuthState", () => {
  const made = () => createOAuthState({ provider: "github", next: "/x/", intent: "link", sessionId: "s1", now: 1_000_000 });

  it("accepts the matching state for the same provider before expiry", async () => {
    const { value, cookie } = made();
    expect(checkOAuthState({ cookie, provider: "github", state: value.state, now: 1_000_000 + 599_000 })).toEqual({ ok: true, value });
  });

  it("refuses a different state, a missing one, or the other provider, keeping the intent", async () => {
    const { value, cookie } = made();
    const other = value.state.slice(0, -1) + (value.state.endsWith("A") ? "B" : "A");
    for (const check of [
      { cookie, provider: "github" as const, state: other },
      { cookie, provider: "github" as const, state: null },
      { cookie, provider: "github" as const, state: "" },
      { cookie, provider: "google" as const, state: value.state },
    ]) {
      expect(checkOAuthState({ ...check, now: 1_000_000 })).toEqual({ ok: false, reason: "state_mismatch", intent: "link" });
    }
  });

  it("calls a cookie past its own expiry expired, whatever the browser did with Max-Age", async () => {
    const { value, cookie } = made();
    expect(checkOAuthState({ cookie, provider: "github", state: value.state, now: value.expiresAt })).toEqual({
      ok: false,
      reason: "expired",
      intent: "link",
    });
  });

  it("calls a missing, garbled or malformed cookie a mismatch", async () => {
    const { value } = made();
    for (const cookie of [null, "", "%%%", encode({ ...value, codeVerifier: "short" }), encode({ ...value, provider: "facebook" }), encode([1, 2])]) {
      expect(checkOAuthState({ cookie, provider: "github", state: value.state, now: 1_000_000 })).toMatchObject({ ok: false, reason: "state_mismatch" });
    }
  });

  it("sanitises next again on the way out, should the cookie say otherwise", async () => {
    const { value } = made();
    const cookie = encode({ ...value, next: "//evil.example" });
    const checked = checkOAuthState({ cookie, provider: "github", state: value.state, now: 1_000_000 });
    expect(checked.ok && checked.value.next).toBe("/profile/");
  });
});

describe("readOAuthIntent", () => {
  it("reads the intent of a readable cookie, and says login otherwise", async () => {
    expect(readOAuthIntent(made().cookie)).toBe("link");
    expect(readOAuthIntent(null)).toBe("login");
    expect(readOAuthIntent("garbage")).toBe("login");
    function made() {
      return createOAuthState({ provider: "github", next: null, intent: "link", sessionId: "s" });
    }
  });
});
