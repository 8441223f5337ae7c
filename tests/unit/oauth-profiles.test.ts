import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchGitHubProfile, fetchGoogleProfile } from "@/lib/auth/oauth/profiles";

// The profile readers against a loopback server that answers whatever a test sets:
// zod decides, and anything surprising is `{ ok: false }`, never a throw.

let server: Server;
let base: string;
const answers = new Map<string, { status: number; body: string }>();
const seen: Array<{ path: string; headers: Record<string, unknown> }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url!, headers: req.headers });
    const answer = answers.get(req.url!) ?? { status: 404, body: "{}" };
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const answer = (path: string, body: unknown, status = 200) =>
  answers.set(path, { status, body: typeof body === "string" ? body : JSON.stringify(body) });

const google = () => fetchGoogleProfile({ userinfoEndpoint: `${base}/userinfo`, accessToken: "t" });
const github = () => fetchGitHubProfile({ apiBase: `${base}/gh`, accessToken: "t" });

describe("fetchGoogleProfile", () => {
  it("normalises the userinfo document", async () => {
    answer("/userinfo", { sub: "108", email: "Ann@Example.COM", email_verified: true, name: "Ann Example", picture: "https://img.example/a.png" });
    expect(await google()).toEqual({
      ok: true,
      profile: {
        providerUserId: "108",
        email: "Ann@example.com",
        emailVerified: true,
        displayName: "Ann Example",
        avatarUrl: "https://img.example/a.png",
        usernameHint: "Ann Example",
      },
    });
    expect(seen.at(-1)?.headers.authorization).toBe("Bearer t");
  });

  it.each([
    ["the string form of true", { email_verified: "true" }, true],
    ["false", { email_verified: false }, false],
    ["no verdict at all", {}, false],
  ])("reads email_verified as %s", async (_, extra, verified) => {
    answer("/userinfo", { sub: "1", email: "a@example.com", ...extra });
    const result = await google();
    expect(result.ok && result.profile.emailVerified).toBe(verified);
  });

  it("treats a malformed address as no address, and so as unverified", async () => {
    answer("/userinfo", { sub: "1", email: "not an address", email_verified: true, picture: "javascript:alert(1)" });
    const result = await google();
    expect(result.ok && result.profile).toMatchObject({ email: null, emailVerified: false, avatarUrl: null, usernameHint: null });
  });

  it.each([
    ["a document without sub", { email: "a@example.com" }, 200],
    ["sub of the wrong type", { sub: 5 }, 200],
    ["not JSON", "<html>", 200],
    ["an array", [], 200],
    ["an error status", { sub: "1" }, 401],
    ["a server error", { sub: "1" }, 500],
  ])("fails cleanly on %s", async (_, body, status) => {
    answer("/userinfo", body, status);
    expect(await google()).toEqual({ ok: false });
  });

  it("fails cleanly on an absurdly large answer", async () => {
    answer("/userinfo", { sub: "1", name: "x".repeat(300 * 1024) });
    expect(await google()).toEqual({ ok: false });
  });

  it("fails cleanly when nothing listens", async () => {
    expect(await fetchGoogleProfile({ userinfoEndpoint: "http://127.0.0.1:9/userinfo", accessToken: "t" })).toEqual({ ok: false });
  });
});

describe("fetchGitHubProfile", () => {
  const user = { id: 583231, login: "octocat", name: "The Octocat", avatar_url: "https://avatars.example/u/1", email: null };

  it("takes the primary address and its verification, not any verified one", async () => {
    answer("/gh/user", user);
    answer("/gh/user/emails", [
      { email: "583231+octocat@users.noreply.github.com", primary: false, verified: true, visibility: null },
      { email: "octocat@example.com", primary: true, verified: false, visibility: "private" },
    ]);
    expect(await github()).toEqual({
      ok: true,
      profile: {
        providerUserId: "583231",
        email: "octocat@example.com",
        emailVerified: false,
        displayName: "The Octocat",
        avatarUrl: "https://avatars.example/u/1",
        usernameHint: "octocat",
      },
    });
    const headers = seen.filter((s) => s.path.startsWith("/gh/")).at(-1)!.headers;
    expect(headers["user-agent"]).toBe("Gatehouse");
    expect(headers.authorization).toBe("Bearer t");
  });

  it("has no address when there is no primary one", async () => {
    answer("/gh/user", user);
    answer("/gh/user/emails", [{ email: "x@example.com", primary: false, verified: true }]);
    const result = await github();
    expect(result.ok && result.profile).toMatchObject({ email: null, emailVerified: false });
  });

  it.each([
    ["an id that is not a number", "/gh/user", { ...user, id: "583231" }],
    ["a missing login", "/gh/user", { id: 1 }],
    ["emails that are not a list", "/gh/user/emails", { email: "x@example.com" }],
    ["emails without flags", "/gh/user/emails", [{ email: "x@example.com" }]],
  ])("fails cleanly on %s", async (_, path, body) => {
    answer("/gh/user", user);
    answer("/gh/user/emails", [{ email: "octocat@example.com", primary: true, verified: true }]);
    answer(path, body);
    expect(await github()).toEqual({ ok: false });
  });

  it("fails cleanly when the emails endpoint refuses (a token without user:email)", async () => {
    answer("/gh/user", user);
    answer("/gh/user/emails", { message: "Not Found" }, 404);
    expect(await github()).toEqual({ ok: false });
  });
});
