import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { authorizePage, errorPage } from "./page";

// A fake Google and GitHub on loopback, for the integration tests, the Playwright
// journey and local development (docs/social-login.md). Honest where it matters: the
// authorization endpoint checks the client, the exact redirect URI and S256 PKCE; the
// token endpoint checks the client's credentials, that the code is fresh and unused,
// the redirect URI again, and that SHA-256(code_verifier) is the challenge. Each
// provider answers errors in its own style (GitHub: 200 with `{"error": ...}`).
// One server serves both, under /google/... and /github/....

export type FakeProviderName = "google" | "github";

export type FakeUser = {
  /** Google's `sub`, GitHub's numeric `id` (so: digits). */
  id: string;
  login: string;
  name: string | null;
  email: string | null;
  emailVerified: boolean;
  avatarUrl?: string | null;
};

export type FakeClient = { clientId: string; clientSecret: string; redirectUris: string[] };

/** Ways to misbehave, for tests that prove nothing upstream is echoed or crashes the app. */
export type Fault = "status_500" | "malformed_json" | "wrong_shape" | "leaky_error";

export type TokenRequestRecord = {
  provider: FakeProviderName;
  outcome: "issued" | string;
  clientAuth: "basic" | "post" | "none";
  redirectUri: string | null;
};

export type FakeOAuthProvider = {
  url: string;
  users: FakeUser[];
  clients: Record<FakeProviderName, FakeClient>;
  /** Every code and access token handed out: a test greps the app's log for them. */
  issued: { codes: string[]; accessTokens: string[] };
  tokenRequests: TokenRequestRecord[];
  /** A secret-looking string the faults put in their bodies; it must never reach the app's answers or log. */
  leakMarker: string;
  /** The app's environment for pointing both providers here. */
  env(): Record<string, string>;
  addUser(user: FakeUser): FakeUser;
  registerRedirectUri(provider: FakeProviderName, uri: string): void;
  setFault(provider: FakeProviderName, endpoint: "token" | "profile", fault: Fault | null): void;
  stop(): Promise<void>;
};

export type FakeOAuthOptions = {
  port?: number;
  host?: string;
  users?: FakeUser[];
  clients?: Partial<Record<FakeProviderName, Partial<FakeClient>>>;
  codeTtlMs?: number;
};

type Code = {
  provider: FakeProviderName;
  clientId: string;
  redirectUri: string;
  challenge: string;
  userId: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
  tokens: string[];
};

type Token = { provider: FakeProviderName; userId: string; scopes: string[]; revoked: boolean };

const PATHS = {
  google: { authorize: "/google/authorize", token: "/google/token", userinfo: "/google/userinfo" },
  github: {
    authorize: "/github/login/oauth/authorize",
    token: "/github/login/oauth/access_token",
    api: "/github/api",
  },
} as const;

const REQUIRED_SCOPE: Record<FakeProviderName, string | null> = { google: "openid", github: null };

export const DEFAULT_FAKE_USERS: FakeUser[] = [
  { id: "1001", login: "octocat", name: "Mona Octocat", email: "octocat@example.test", emailVerified: true },
  { id: "1002", login: "unverified-ursula", name: "Ursula Unverified", email: "ursula@example.test", emailVerified: false },
  { id: "1003", login: "no-email-nico", name: "Nico No-Email", email: null, emailVerified: false },
];

const random = (bytes: number) => randomBytes(bytes).toString("base64url");
const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

export async function startFakeOAuthProvider(options: FakeOAuthOptions = {}): Promise<FakeOAuthProvider> {
  const users = [...(options.users ?? DEFAULT_FAKE_USERS)];
  const clients: Record<FakeProviderName, FakeClient> = {
    google: { clientId: `google-client-${random(6)}`, clientSecret: `google-secret-${random(18)}`, redirectUris: [], ...options.clients?.google },
    github: { clientId: `github-client-${random(6)}`, clientSecret: `github-secret-${random(18)}`, redirectUris: [], ...options.clients?.github },
  };
  const codes = new Map<string, Code>();
  const tokens = new Map<string, Token>();
  const faults = new Map<string, Fault>();
  const issued = { codes: [] as string[], accessTokens: [] as string[] };
  const tokenRequests: TokenRequestRecord[] = [];
  const leakMarker = `UPSTREAM-SECRET-${random(12)}`;
  const codeTtlMs = options.codeTtlMs ?? 60_000;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, "text/plain", "fake provider crashed"));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    for (const provider of ["google", "github"] as const) {
      const paths = PATHS[provider];
      if (path === paths.authorize && req.method === "GET") return authorize(provider, url.searchParams, res);
      if (path === paths.authorize && req.method === "POST") return decide(provider, new URLSearchParams(await readBody(req)), res);
      if (path === paths.token && req.method === "POST") return token(provider, req, await readBody(req), res);
    }
    if (req.method === "GET" && path === PATHS.google.userinfo) return googleUserinfo(req, res);
    if (req.method === "GET" && path === `${PATHS.github.api}/user`) return githubUser(req, res);
    if (req.method === "GET" && path === `${PATHS.github.api}/user/emails`) return githubEmails(req, res);
    sendJson(res, 404, { message: "Not Found" });
  }

  /** Problems that must not be redirected to an unverified redirect_uri; null when the request is fine. */
  function authorizationProblem(provider: FakeProviderName, params: URLSearchParams): string | null {
    const client = clients[provider];
    if (params.get("client_id") !== client.clientId) return "Unknown client_id.";
    const redirectUri = params.get("redirect_uri");
    if (!redirectUri || !client.redirectUris.includes(redirectUri)) return "redirect_uri does not match a registered redirect URI.";
    if (params.get("response_type") !== "code") return "response_type must be code.";
    if (!params.get("state")) return "state is required.";
    if (params.get("code_challenge_method") !== "S256") return "code_challenge_method must be S256.";
    if (!/^[A-Za-z0-9_-]{43}$/.test(params.get("code_challenge") ?? "")) return "code_challenge is missing or malformed.";
    const required = REQUIRED_SCOPE[provider];
    if (required && !scopesOf(params.get("scope")).includes(required)) return `scope must include ${required}.`;
    return null;
  }

  function authorize(provider: FakeProviderName, params: URLSearchParams, res: ServerResponse): void {
    const problem = authorizationProblem(provider, params);
    if (problem) return send(res, 400, "text/html; charset=utf-8", errorPage(provider, problem));
    send(res, 200, "text/html; charset=utf-8", authorizePage({ provider, action: PATHS[provider].authorize, params, users }));
  }

  function decide(provider: FakeProviderName, form: URLSearchParams, res: ServerResponse): void {
    const problem = authorizationProblem(provider, form);
    if (problem) return send(res, 400, "text/html; charset=utf-8", errorPage(provider, problem));
    const back = new URL(form.get("redirect_uri")!);
    back.searchParams.set("state", form.get("state")!);
    if (form.get("deny")) {
      back.searchParams.set("error", "access_denied");
      return redirect(res, back.toString());
    }
    const user = users.find((u) => u.id === form.get("user"));
    if (!user) return send(res, 400, "text/html; charset=utf-8", errorPage(provider, "Unknown user."));
    const code = random(20);
    codes.set(code, {
      provider,
      clientId: clients[provider].clientId,
      redirectUri: form.get("redirect_uri")!,
      challenge: form.get("code_challenge")!,
      userId: user.id,
      scopes: scopesOf(form.get("scope")),
      expiresAt: Date.now() + codeTtlMs,
      used: false,
      tokens: [],
    });
    issued.codes.push(code);
    back.searchParams.set("code", code);
    redirect(res, back.toString());
  }

  function token(provider: FakeProviderName, req: IncomingMessage, body: string, res: ServerResponse): void {
    const form = new URLSearchParams(body);
    const record: TokenRequestRecord = { provider, outcome: "", clientAuth: "none", redirectUri: form.get("redirect_uri") };
    tokenRequests.push(record);
    const refuse = (error: string, status = 400) => {
      record.outcome = error;
      // GitHub says 200 with an error body; Google uses the status codes of RFC 6749.
      sendJson(res, provider === "github" ? 200 : status, { error, error_description: `fake ${provider}: ${error}` });
    };
    if (applyFault(provider, "token", res, () => (record.outcome = "fault"))) return;
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return refuse("invalid_request");

    const client = clients[provider];
    const credentials = clientCredentials(req, form);
    record.clientAuth = credentials.method;
    if (credentials.id !== client.clientId || credentials.secret !== client.clientSecret) {
      return refuse(provider === "github" ? "incorrect_client_credentials" : "invalid_client", 401);
    }
    if (form.get("grant_type") !== "authorization_code") return refuse("unsupported_grant_type");

    const codeValue = form.get("code") ?? "";
    const code = codes.get(codeValue);
    const badCode = provider === "github" ? "bad_verification_code" : "invalid_grant";
    if (!code || code.provider !== provider || code.clientId !== client.clientId) return refuse(badCode);
    if (code.used) {
      // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
      for (const t of code.tokens) tokens.get(t)!.revoked = true;
      return refuse(badCode);
    }
    // Any presentation spends the code, so a verifier cannot be guessed at leisure.
    code.used = true;
    if (Date.now() > code.expiresAt) return refuse(badCode);
    if (form.get("redirect_uri") !== code.redirectUri) return refuse("redirect_uri_mismatch");
    const verifier = form.get("code_verifier");
    if (!verifier || s256(verifier) !== code.challenge) return refuse(provider === "github" ? "bad_verification_code" : "invalid_grant");

    const accessToken = `${provider === "github" ? "gho" : "ya29"}_${random(24)}`;
    tokens.set(accessToken, { provider, userId: code.userId, scopes: code.scopes, revoked: false });
    code.tokens.push(accessToken);
    issued.accessTokens.push(accessToken);
    record.outcome = "issued";
    sendJson(
      res,
      200,
      provider === "github"
        ? { access_token: accessToken, token_type: "bearer", scope: code.scopes.join(",") }
        : { access_token: accessToken, token_type: "Bearer", expires_in: 3599, scope: code.scopes.join(" ") },
    );
  }

  function bearer(req: IncomingMessage, provider: FakeProviderName): { token: Token; user: FakeUser } | null {
    const match = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? "");
    const token = match ? tokens.get(match[1]!) : undefined;
    if (!token || token.revoked || token.provider !== provider) return null;
    const user = users.find((u) => u.id === token.userId);
    return user ? { token, user } : null;
  }

  function googleUserinfo(req: IncomingMessage, res: ServerResponse): void {
    if (applyFault("google", "profile", res)) return;
    const auth = bearer(req, "google");
    if (!auth) return sendJson(res, 401, { error: "invalid_token" });
    const { user, token } = auth;
    const withEmail = token.scopes.includes("email") && user.email;
    sendJson(res, 200, {
      sub: user.id,
      ...(token.scopes.includes("profile") ? { name: user.name ?? user.login, picture: user.avatarUrl ?? undefined } : {}),
      ...(withEmail ? { email: user.email, email_verified: user.emailVerified } : {}),
    });
  }

  function githubUser(req: IncomingMessage, res: ServerResponse): void {
    if (applyFault("github", "profile", res)) return;
    if (req.headers["user-agent"] === undefined) return sendJson(res, 403, { message: "User-Agent required" });
    const auth = bearer(req, "github");
    if (!auth) return sendJson(res, 401, { message: "Bad credentials" });
    const { user } = auth;
    sendJson(res, 200, {
      id: Number(user.id),
      login: user.login,
      name: user.name,
      avatar_url: user.avatarUrl ?? `https://avatars.example.test/u/${user.id}`,
      // Only a *public* email shows here; the app must read /user/emails instead.
      email: null,
    });
  }

  function githubEmails(req: IncomingMessage, res: ServerResponse): void {
    if (applyFault("github", "profile", res)) return;
    if (req.headers["user-agent"] === undefined) return sendJson(res, 403, { message: "User-Agent required" });
    const auth = bearer(req, "github");
    if (!auth) return sendJson(res, 401, { message: "Bad credentials" });
    // GitHub hides the list from a token without the user:email (or user) scope.
    if (!auth.token.scopes.some((s) => s === "user:email" || s === "user")) return sendJson(res, 404, { message: "Not Found" });
    const { user } = auth;
    // Every GitHub account also has a verified noreply address that is never primary:
    // an app that takes "any verified email" instead of the primary one links wrongly.
    const noreply = { email: `${user.id}+${user.login}@users.noreply.example.test`, primary: false, verified: true, visibility: null };
    const primary = user.email ? [{ email: user.email, primary: true, verified: user.emailVerified, visibility: "private" }] : [];
    sendJson(res, 200, [...primary, noreply]);
  }

  /** Misbehave as configured; true when the response has been sent. */
  function applyFault(provider: FakeProviderName, endpoint: "token" | "profile", res: ServerResponse, note?: () => void): boolean {
    const fault = faults.get(`${provider}:${endpoint}`);
    if (!fault) return false;
    note?.();
    if (fault === "status_500") send(res, 500, "text/plain", `Internal error near ${leakMarker}`);
    else if (fault === "malformed_json") send(res, 200, "application/json", `{"access_token": "${leakMarker}`);
    else if (fault === "wrong_shape") sendJson(res, 200, endpoint === "token" ? { token: 42, note: leakMarker } : { id: "not-a-number", sub: 7, note: leakMarker });
    else sendJson(res, endpoint === "token" && provider === "github" ? 200 : 400, { error: "invalid_grant", error_description: `client_secret=${leakMarker}` });
    return true;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve);
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("fake provider has no address");
  const base = `http://${options.host ?? "127.0.0.1"}:${address.port}`;

  return {
    url: base,
    users,
    clients,
    issued,
    tokenRequests,
    leakMarker,
    env: () => ({
      GOOGLE_CLIENT_ID: clients.google.clientId,
      GOOGLE_CLIENT_SECRET: clients.google.clientSecret,
      GOOGLE_AUTH_URL: base + PATHS.google.authorize,
      GOOGLE_TOKEN_URL: base + PATHS.google.token,
      GOOGLE_USERINFO_URL: base + PATHS.google.userinfo,
      GITHUB_CLIENT_ID: clients.github.clientId,
      GITHUB_CLIENT_SECRET: clients.github.clientSecret,
      GITHUB_AUTH_URL: base + PATHS.github.authorize,
      GITHUB_TOKEN_URL: base + PATHS.github.token,
      GITHUB_API_URL: base + PATHS.github.api,
    }),
    addUser(user) {
      users.push(user);
      return user;
    },
    registerRedirectUri(provider, uri) {
      clients[provider].redirectUris.push(uri);
    },
    setFault(provider, endpoint, fault) {
      if (fault) faults.set(`${provider}:${endpoint}`, fault);
      else faults.delete(`${provider}:${endpoint}`);
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function scopesOf(value: string | null): string[] {
  return (value ?? "").split(/[\s,]+/).filter(Boolean);
}

function clientCredentials(req: IncomingMessage, form: URLSearchParams): { method: "basic" | "post" | "none"; id: string | null; secret: string | null } {
  const basic = /^Basic (\S+)$/i.exec(req.headers.authorization ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon < 0 ? { method: "basic", id: null, secret: null } : { method: "basic", id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  if (form.has("client_secret")) return { method: "post", id: form.get("client_id"), secret: form.get("client_secret") };
  return { method: "none", id: form.get("client_id"), secret: null };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      data += chunk;
      if (data.length > 64 * 1024) req.destroy();
    });
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { "Content-Type": contentType, "Cache-Control": "no-store" });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, "application/json", JSON.stringify(body));
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, "Cache-Control": "no-store" });
  res.end();
}
