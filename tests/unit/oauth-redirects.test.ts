import { describe, expect, it } from "vitest";
import { redirectAfterSignIn, redirectToProvider, redirectWithError } from "@/lib/api/social";
import { resetSingletons } from "@/lib/singleton";

// The browser flow's answers: where they go and what they do to the state cookie.

const setCookies = (response: Response) => response.headers.getSetCookie();

describe("the state cookie", () => {
  it("is HttpOnly, SameSite=Lax, scoped to the social routes, ten minutes, not Secure on http", async () => {
    const response = redirectToProvider("http://127.0.0.1:9/authorize?x=1", "value");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("http://127.0.0.1:9/authorize?x=1");
    const [cookie] = setCookies(response);
    expect(cookie).toMatch(/^oauth_state=value;/);
    expect(cookie).toMatch(/Path=\/api\/auth\/social\//);
    expect(cookie).toMatch(/Max-Age=600/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=lax/i);
    expect(cookie).not.toMatch(/Secure/);
  });

  it("is Secure when APP_URL is https", async () => {
    process.env.APP_URL = "https://auth.example.com";
    resetSingletons("env");
    expect(setCookies(redirectToProvider("https://github.com/login/oauth/authorize", "v"))[0]).toMatch(/Secure/);
    expect(setCookies(redirectWithError("/login/", "expired"))[0]).toMatch(/Secure/);
  });

  it("is deleted by every callback answer, failed or not", async () => {
    for (const response of [redirectWithError("/login/", "state_mismatch"), redirectAfterSignIn("/profile/", null)]) {
      const state = setCookies(response).find((c) => c.startsWith("oauth_state="));
      expect(state).toMatch(/^oauth_state=;.*Max-Age=0/);
      expect(state).toMatch(/Path=\/api\/auth\/social\//);
    }
  });
});

describe("destinations", () => {
  it("sends errors to the given page of this app with the code", async () => {
    expect(redirectWithError("/profile/", "already_linked").headers.get("location")).toBe("http://127.0.0.1:3999/profile/?error=already_linked");
  });

  it("sends a finished sign-in to next with the refresh cookie", async () => {
    const response = redirectAfterSignIn("/profile/?tab=1", { access: "a", sessionId: "s", refresh: { token: "r", maxAgeSeconds: 60 } });
    expect(response.headers.get("location")).toBe("http://127.0.0.1:3999/profile/?tab=1");
    expect(setCookies(response).find((c) => c.startsWith("refresh_token="))).toMatch(/^refresh_token=r;.*Path=\/api\/auth\//);
  });
});
